import { setTimeout as sleep } from 'node:timers/promises';
import type { Batch } from '../domain/batch';
import { SETTLED_BATCH_STATUSES } from '../domain/batch-rules';
import type { BatchStore } from '../stores/operational';

/** What a client watching a batch sees move; a change of any of these is reported. */
const progressOf = (batch: Batch): string =>
  [batch.status, batch.itemCount, batch.chunkCount, batch.processedCount, batch.acceptedCount, batch.errorCount].join();

/** An async iterator of a batch's states whose `return()` and `throw()` stop it at once. */
export type BatchWatch = Required<AsyncIterableIterator<Batch, void, undefined>>;

/**
 * A batch's states as it moves, polled from the operational store (a worker in another process may
 * be the one moving it): `current` first, then each change, ending with a settled status. Polling
 * keeps one mechanism for every shape; a batch settles in seconds, so the cost is a few reads.
 *
 * `return()` (an unsubscribe, a closed socket) ends the polling at once. A bare async generator cannot
 * do that: while it awaits its pause, `return()` is only queued until its next `yield`, and an
 * unchanged batch yields nothing, so an abandoned subscription kept polling until the batch moved.
 */
export function watchBatch(batches: BatchStore, current: Batch, pollIntervalMs: number): BatchWatch {
  const stop = new AbortController();
  const polling = poll(batches, current, pollIntervalMs, stop.signal);
  const watching: BatchWatch = {
    next: () => polling.next(),
    return: (value) => {
      stop.abort();
      return polling.return(value);
    },
    throw: (error: unknown) => {
      stop.abort();
      return polling.throw(error);
    },
    [Symbol.asyncIterator]: () => watching,
  };
  return watching;
}

async function* poll(
  batches: BatchStore,
  current: Batch,
  pollIntervalMs: number,
  signal: AbortSignal,
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
    const paused = await sleep(pollIntervalMs, true, { signal }).catch(() => false);
    if (!paused) return;
    [batch] = await batches.byIds([batch.id]);
  }
}
