import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { OperationalStore } from '../ports';
import { SqliteBatchRows } from './batch-rows';
import { SqliteBatchWork } from './batch-work';
import { SqliteBatches } from './batches';
import { SqliteChangeFeed } from './change-feed';
import { SqliteChunkedBatches } from './chunked-batches';
import { SqliteExchangeRates } from './exchange-rates';
import { promised } from './promised';
import { SqlitePriceRetention } from './price-retention';
import { SqliteReferenceData } from './reference-data';
import { SqliteReplicaRegistry } from './replica-registry';
import { SqliteReplicationLeases } from './replication-leases';
import { migrateOperationalSchema } from './schema';

export { isSqliteUnavailable } from './errors';

export interface SqliteStoreOptions {
  /** The folder of `operational.sqlite` (created if needed). */
  readonly dataDir: string;
  /** How often a waiting change-feed reader looks for writes by other processes; default 50 ms. */
  readonly changeFeedPollMs?: number;
}

/**
 * The embedded operational store: opens (creating if needed) `operational.sqlite` under `dataDir`, in
 * WAL mode with synchronous=FULL, and brings its schema up to date. Every port shares the one connection.
 */
export function openSqliteOperationalStore(options: SqliteStoreOptions): OperationalStore {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const db = new BetterSqlite3(path.join(options.dataDir, 'operational.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    // FULL: an acknowledged write survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrateOperationalSchema(db);
    const rows = new SqliteBatchRows(db);
    return {
      referenceData: new SqliteReferenceData(db),
      batches: new SqliteBatches(rows),
      chunkedBatches: new SqliteChunkedBatches(rows),
      batchWork: new SqliteBatchWork(rows),
      exchangeRates: new SqliteExchangeRates(db),
      replicationLeases: new SqliteReplicationLeases(db),
      replicas: new SqliteReplicaRegistry(db),
      retention: new SqlitePriceRetention(db),
      changeFeed: new SqliteChangeFeed(db, options.changeFeedPollMs ?? 50),
      checkAvailable: () =>
        promised(() => {
          db.prepare('SELECT 1').get();
        }),
      close: () =>
        promised(() => {
          db.close();
        }),
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
