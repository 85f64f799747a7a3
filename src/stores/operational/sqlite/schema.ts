import type { Database } from 'better-sqlite3';

/**
 * Versioned schema of the embedded operational store. Each step runs in one transaction together
 * with the bump of `PRAGMA user_version`, so a crash leaves the file at a whole version; steps are
 * only ever appended.
 */
const migrations: readonly string[] = [
  `CREATE TABLE regions (
     slug        TEXT PRIMARY KEY,
     name        TEXT NOT NULL,
     parent_slug TEXT REFERENCES regions(slug)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX regions_by_parent ON regions(parent_slug);
   CREATE TABLE ports (
     code        TEXT PRIMARY KEY,
     name        TEXT NOT NULL,
     region_slug TEXT NOT NULL REFERENCES regions(slug)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX ports_by_region ON ports(region_slug);`,
  // Times are milliseconds since the epoch; days are days since 1970-01-01; money is integer cents.
  `CREATE TABLE batches (
     id                    TEXT PRIMARY KEY,
     idempotency_key       TEXT NOT NULL UNIQUE,
     request_hash          TEXT NOT NULL,
     status                TEXT NOT NULL CHECK (status IN ('ACCEPTED', 'REJECTED', 'RETRACTED')),
     item_count            INTEGER NOT NULL,
     accepted_count        INTEGER NOT NULL,
     errors                TEXT NOT NULL,
     created_at            INTEGER NOT NULL,
     retracted_at          INTEGER,
     counted_at            INTEGER,
     retraction_applied_at INTEGER
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX batches_newest_first ON batches(created_at DESC, id DESC);
   CREATE TABLE prices (
     batch_id         TEXT NOT NULL REFERENCES batches(id),
     item_index       INTEGER NOT NULL,
     origin_code      TEXT NOT NULL,
     destination_code TEXT NOT NULL,
     day              INTEGER NOT NULL,
     usd_cents        INTEGER NOT NULL,
     currency         TEXT NOT NULL,
     amount_minor     INTEGER NOT NULL,
     PRIMARY KEY (batch_id, item_index)
   ) STRICT, WITHOUT ROWID;
   -- The change feed: one row per batch commit or retraction, in commit order (SQLite has one writer
   -- at a time, so a higher seq never commits before a lower one).
   CREATE TABLE change_log (
     seq      INTEGER PRIMARY KEY AUTOINCREMENT,
     kind     TEXT NOT NULL CHECK (kind IN ('committed', 'retracted')),
     batch_id TEXT NOT NULL REFERENCES batches(id),
     at       INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE replication_leases (
     replica_id TEXT PRIMARY KEY,
     holder     TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;`,
  // Prices in any currency: the rate each price was converted at, and the exchange rates themselves
  // (the offline table and the cache of days fetched from Open Exchange Rates, never mixed). Prices
  // recorded before this step were all in USD, at 1.
  `ALTER TABLE prices ADD COLUMN usd_per_unit TEXT NOT NULL DEFAULT '1';
   CREATE TABLE exchange_rates (
     provider     TEXT NOT NULL CHECK (provider IN ('offline', 'openexchangerates')),
     currency     TEXT NOT NULL,
     day          INTEGER NOT NULL,
     usd_per_unit TEXT NOT NULL,
     source       TEXT NOT NULL,
     PRIMARY KEY (provider, currency, day)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX exchange_rates_by_source ON exchange_rates(provider, source);`,
];

export function migrateOperationalSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  migrations.slice(current).forEach((sql, offset) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${current + offset + 1}`);
    })();
  });
}
