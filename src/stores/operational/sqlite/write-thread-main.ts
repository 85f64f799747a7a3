import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBatchRows } from './batch-rows';
import { SqliteBatches } from './batches';
import { openSqliteConnection } from './connection';
import { SqliteWriteQueue } from './write-queue';
import type { ThreadAnswer, ThreadRequest } from './write-thread';

/*
 * The SQLite write thread (write-thread.ts starts it): records whole batches and reads batches' prices
 * on a connection of its own, one request after the other, with the same statements as on the main
 * connection. The schema is the main connection's to migrate; it was migrated before this thread starts.
 */
const port = parentPort;
if (!port) throw new Error('write-thread-main runs as a worker thread');
const { file, busyTimeoutMs } = workerData as { file: string; busyTimeoutMs?: number };
const batches = new SqliteBatches(
  new SqliteBatchRows(openSqliteConnection(file, busyTimeoutMs), new SqliteWriteQueue()),
);

function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.kind) {
    case 'record':
      return batches.record(request.batch);
    case 'pricesJson':
      return Promise.resolve(batches.pricesJson(request.batchId, request.afterItemIndex, request.limit));
  }
}

port.on('message', (request: ThreadRequest) => {
  answer(request).then(
    (value) => port.postMessage({ id: request.id, value } satisfies ThreadAnswer),
    (error: unknown) => {
      const { message, code } = error as { message?: unknown; code?: unknown };
      port.postMessage({
        id: request.id,
        error: { message: String(message ?? error), ...(typeof code === 'string' && { code }) },
      } satisfies ThreadAnswer);
    },
  );
});
