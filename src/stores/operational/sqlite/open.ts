import fs from 'node:fs';
import path from 'node:path';
import type { OperationalStore } from '../ports';
import { SqliteBatchRows } from './batch-rows';
import { SqliteBatchWork } from './batch-work';
import { SqliteBatches } from './batches';
import { SqliteChangeFeed } from './change-feed';
import { SqliteChunkedBatches } from './chunked-batches';
import { openSqliteConnection } from './connection';
import { SqliteExchangeRates } from './exchange-rates';
import { promised } from './promised';
import { SqlitePriceRetention } from './price-retention';
import { SqliteReferenceData } from './reference-data';
import { SqliteReplicaRegistry } from './replica-registry';
import { SqliteReplicationLeases } from './replication-leases';
import { migrateOperationalSchema } from './schema';
import { SqliteWriteThread } from './write-thread';
import { SqliteWriteQueue } from './write-queue';

export { isSqliteUnavailable } from './errors';

export interface SqliteStoreOptions {
  /** The folder of `operational.sqlite` (created if needed). */
  readonly dataDir: string;
  /** How often a waiting change-feed reader looks for writes by other processes; default 50 ms. */
  readonly changeFeedPollMs?: number;
  /** How long a write waits for another process's write lock before it fails; default 5 s. */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded operational store: opens (creating if needed) `operational.sqlite` under `dataDir`, in
 * WAL mode with synchronous=FULL, and brings its schema up to date. Every port shares one connection,
 * except that whole batches are recorded on a thread of their own, with its own connection (WAL lets
 * the main one read meanwhile): a 50,000-price batch takes the write thread about 160 ms that the
 * event loop no longer spends. Batches' prices are read for the replicator on another such thread.
 */
export function openSqliteOperationalStore(options: SqliteStoreOptions): OperationalStore {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'operational.sqlite');
  const db = openSqliteConnection(file, options.busyTimeoutMs);
  try {
    migrateOperationalSchema(db);
    const writes = new SqliteWriteQueue();
    let readThread: SqliteWriteThread | undefined;
    const rows = new SqliteBatchRows(db, writes);
    const ports = {
      referenceData: new SqliteReferenceData(db, writes),
      batches: new SqliteBatches(rows, {
        record: (batch) => writeThread.record(batch),
        pricesJson: (batchId, after, limit) =>
          (readThread ??= new SqliteWriteThread(file, options.busyTimeoutMs)).pricesJson(batchId, after, limit),
      }),
      chunkedBatches: new SqliteChunkedBatches(rows),
      batchWork: new SqliteBatchWork(rows),
      exchangeRates: new SqliteExchangeRates(db, writes),
      replicationLeases: new SqliteReplicationLeases(db, writes),
      replicas: new SqliteReplicaRegistry(db, writes),
      retention: new SqlitePriceRetention(db, writes),
      changeFeed: new SqliteChangeFeed(db, options.changeFeedPollMs ?? 50),
    };
    // Last: nothing after it can fail and leave the thread running. The replicator's reads of prices
    // run on a second thread of the same kind (above), so that they do not queue behind the batches
    // clients send (WAL lets readers and the writer work at once); it starts with the first read, since
    // most processes that open the store (the worker, scripts) never replicate.
    const writeThread = new SqliteWriteThread(file, options.busyTimeoutMs);
    return {
      ...ports,
      checkAvailable: () =>
        promised(() => {
          db.prepare('SELECT 1').get();
        }),
      close: async () => {
        await Promise.all([writeThread.close(), readThread?.close()]);
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
