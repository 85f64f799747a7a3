import BetterSqlite3 from 'better-sqlite3';

/** A connection to the store's file, as every connection to it is set up (the write thread's too). */
export function openSqliteConnection(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: an acknowledged write survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
