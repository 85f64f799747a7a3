import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch } from '../domain/batch';
import { SETTLED_BATCH_STATUSES } from '../domain/batch-rules';
import type { BatchStore } from '../stores/operational';

/** What a client watching a batch sees move; a change of any of these is reported. */
const progressOf = (batch: Batch): string =>
  [batch.status, batch.itemCount, batch.chunkCount, batch.processedCount, batch.acceptedCount, batch.errorCount].join();

/**
 * A batch's states as it moves, polled from the operational store (a worker in another process may
 * be the one moving it): `current` first, then each change, ending with a settled status. Polling
 * keeps one mechanism for every shape; a batch settles in seconds, so the cost is a few reads.
 */
export async function* watchBatch(
  batches: BatchStore,
  current: Batch,
  pollIntervalMs: number,
): AsyncGenerator<Batch, void, undefined> {
  let batch: Batch | undefined = current;
  let reported: string | undefined;
  while (batch) {
    const progress = progressOf(batch);
    if (progress !== reported) {
      reported = progress;
      yield batch;
    }
    if (SETTLED_BATCH_STATUSES.has(batch.status)) return;
    await sleep(pollIntervalMs);
    [batch] = await batches.byIds([batch.id]);
  }
}
