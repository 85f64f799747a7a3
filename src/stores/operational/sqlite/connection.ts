import BetterSqlite3 from 'better-sqlite3';

/** How long a write waits for another connection's write lock before it fails with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** A connection to the store's file, as every connection to it is set up (the write thread's too). */
export function openSqliteConnection(file: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: an acknowledged write survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
