import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBatchRows } from './batch-rows';
import { SqliteBatches } from './batches';
import { openSqliteConnection } from './connection';
import type { RecordAnswer, RecordRequest } from './write-thread';

/*
 * The SQLite write thread (write-thread.ts starts it): records whole batches on a connection of its own,
 * one after the other, with the same transaction as on the main connection. The schema is the main
 * connection's to migrate; it was migrated before this thread starts.
 */
const port = parentPort;
if (!port) throw new Error('write-thread-main runs as a worker thread');
const { file } = workerData as { file: string };
const batches = new SqliteBatches(new SqliteBatchRows(openSqliteConnection(file)));

port.on('message', ({ id, batch }: RecordRequest) => {
  batches.record(batch).then(
    (outcome) => port.postMessage({ id, outcome } satisfies RecordAnswer),
    (error: unknown) => {
      const { message, code } = error as { message?: unknown; code?: unknown };
      port.postMessage({
        id,
        error: { message: String(message ?? error), ...(typeof code === 'string' && { code }) },
      } satisfies RecordAnswer);
    },
  );
});
