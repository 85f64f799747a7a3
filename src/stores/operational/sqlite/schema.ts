import type { Database } from 'better-sqlite3';
import { CONTAINER_TYPES, CONTRACT_TERMS } from '../../../domain/freight-dimensions';

/**
 * Versioned schema of the embedded operational store. Each step runs in one transaction together
 * with the bump of `PRAGMA user_version`, so a crash leaves the file at a whole version; steps are
 * only ever appended.
 */
export const SCHEMA_STEPS: readonly string[] = [
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
  // Chunked batches and their workers. SQLite cannot widen a CHECK in place: the batches table is
  // rebuilt (SQLite's documented procedure, foreign keys off while it runs). Batches recorded before
  // were all single requests; one with errors was written with skipInvalid.
  `CREATE TABLE batches_v3 (
     id                    TEXT PRIMARY KEY,
     idempotency_key       TEXT NOT NULL UNIQUE,
     request_hash          TEXT NOT NULL,
     status                TEXT NOT NULL CHECK (status IN
                             ('OPEN', 'COMMITTED', 'PROCESSING', 'ACCEPTED', 'REJECTED', 'RETRACTED', 'ABORTED', 'EXPIRED')),
     skip_invalid          INTEGER NOT NULL,
     item_count            INTEGER NOT NULL,
     chunk_count           INTEGER NOT NULL,
     processed_count       INTEGER NOT NULL,
     accepted_count        INTEGER NOT NULL,
     errors                TEXT NOT NULL,
     error_count           INTEGER NOT NULL,
     created_at            INTEGER NOT NULL,
     open_until            INTEGER,
     retracted_at          INTEGER,
     counted_at            INTEGER,
     retraction_applied_at INTEGER,
     processed_chunks      INTEGER NOT NULL,
     work_holder           TEXT,
     work_expires_at       INTEGER
   ) STRICT, WITHOUT ROWID;
   INSERT INTO batches_v3
     SELECT id, idempotency_key, request_hash, status, json_array_length(errors) > 0, item_count, 0, item_count,
            accepted_count, errors, json_array_length(errors), created_at, NULL, retracted_at, counted_at,
            retraction_applied_at, 0, NULL, NULL
       FROM batches;
   DROP TABLE batches;
   ALTER TABLE batches_v3 RENAME TO batches;
   CREATE INDEX batches_newest_first ON batches(created_at DESC, id DESC);
   CREATE INDEX batches_waiting_for_work ON batches(created_at) WHERE status IN ('COMMITTED', 'PROCESSING');
   CREATE INDEX batches_open ON batches(open_until) WHERE status = 'OPEN';
   -- Chunks stay until their batch is settled; rows of megabytes, so a rowid table.
   CREATE TABLE batch_chunks (
     batch_id         TEXT NOT NULL REFERENCES batches(id),
     chunk_index      INTEGER NOT NULL,
     item_count       INTEGER NOT NULL,
     content_hash     TEXT NOT NULL,
     first_item_index INTEGER,
     content          TEXT,
     PRIMARY KEY (batch_id, chunk_index)
   ) STRICT;`,
  // Suppliers kept apart: a batch records the API key name that submitted it ('' for no supplier: the
  // seed's batch, and every batch recorded before this step, whose submitter was never recorded), and
  // idempotency keys are unique per owner. The inline UNIQUE on the key cannot be dropped in place: the
  // table is rebuilt as in the step before.
  `CREATE TABLE batches_v5 (
     id                    TEXT PRIMARY KEY,
     owner                 TEXT NOT NULL,
     idempotency_key       TEXT NOT NULL,
     request_hash          TEXT NOT NULL,
     status                TEXT NOT NULL CHECK (status IN
                             ('OPEN', 'COMMITTED', 'PROCESSING', 'ACCEPTED', 'REJECTED', 'RETRACTED', 'ABORTED', 'EXPIRED')),
     skip_invalid          INTEGER NOT NULL,
     item_count            INTEGER NOT NULL,
     chunk_count           INTEGER NOT NULL,
     processed_count       INTEGER NOT NULL,
     accepted_count        INTEGER NOT NULL,
     errors                TEXT NOT NULL,
     error_count           INTEGER NOT NULL,
     created_at            INTEGER NOT NULL,
     open_until            INTEGER,
     retracted_at          INTEGER,
     counted_at            INTEGER,
     retraction_applied_at INTEGER,
     processed_chunks      INTEGER NOT NULL,
     work_holder           TEXT,
     work_expires_at       INTEGER,
     UNIQUE (owner, idempotency_key)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO batches_v5
     SELECT id, '', idempotency_key, request_hash, status, skip_invalid, item_count, chunk_count, processed_count,
            accepted_count, errors, error_count, created_at, open_until, retracted_at, counted_at,
            retraction_applied_at, processed_chunks, work_holder, work_expires_at
       FROM batches;
   DROP TABLE batches;
   ALTER TABLE batches_v5 RENAME TO batches;
   CREATE INDEX batches_newest_first ON batches(created_at DESC, id DESC);
   CREATE INDEX batches_of_owner_newest_first ON batches(owner, created_at DESC, id DESC);
   CREATE INDEX batches_waiting_for_work ON batches(created_at) WHERE status IN ('COMMITTED', 'PROCESSING');
   CREATE INDEX batches_open ON batches(open_until) WHERE status = 'OPEN';`,
  // The reference data's revision (ReferenceDataStore.revision), moved on in every upsert's transaction.
  `CREATE TABLE reference_revision (
     id       INTEGER PRIMARY KEY CHECK (id = 1),
     revision INTEGER NOT NULL
   ) STRICT;
   INSERT INTO reference_revision (id, revision) VALUES (1, 0);`,
  // Retention: the analytics replicas that follow this store and the commits each acknowledged
  // (`seq`: the change-log row of the commit), and per batch when its prices began to leave
  // (`pruning_since`, which also refuses a restore) and when the last of them left (`pruned_at`).
  `CREATE TABLE replicas (
     replica_id    TEXT PRIMARY KEY,
     registered_at INTEGER NOT NULL,
     heard_at      INTEGER NOT NULL,
     retired_at    INTEGER
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE replica_acks (
     batch_id   TEXT NOT NULL REFERENCES batches(id),
     replica_id TEXT NOT NULL,
     seq        INTEGER NOT NULL,
     PRIMARY KEY (batch_id, replica_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX replica_acks_by_replica ON replica_acks(replica_id);
   CREATE INDEX change_log_by_batch ON change_log(batch_id, seq);
   ALTER TABLE batches ADD COLUMN pruning_since INTEGER;
   ALTER TABLE batches ADD COLUMN pruned_at INTEGER;
   CREATE INDEX batches_to_prune ON batches(counted_at) WHERE status = 'ACCEPTED' AND pruned_at IS NULL;
   CREATE INDEX batches_pruning ON batches(pruning_since) WHERE pruning_since IS NOT NULL;`,
  // What a price is for (domain/freight-dimensions): NULL is unspecified, which every price recorded
  // before this step is. A column added with a CHECK and no default leaves the rows there untouched.
  `ALTER TABLE prices ADD COLUMN container_type TEXT
     CHECK (container_type IN (${CONTAINER_TYPES.map((t) => `'${t}'`).join(', ')}));
   ALTER TABLE prices ADD COLUMN contract_term TEXT
     CHECK (contract_term IN (${CONTRACT_TERMS.map((t) => `'${t}'`).join(', ')}));`,
];

const schemaVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the file to the newest version. Several processes may open one file at once (several
 * embedded nodes): each step runs in an IMMEDIATE transaction that reads the version again, so a step
 * another process has just applied is not applied twice.
 */
export function migrateOperationalSchema(db: Database): void {
  if (schemaVersion(db) >= SCHEMA_STEPS.length) return;
  // Off while tables are rebuilt (it cannot change inside a transaction); checked before each commit.
  db.pragma('foreign_keys = OFF');
  try {
    for (let version = schemaVersion(db); version < SCHEMA_STEPS.length; version = schemaVersion(db)) {
      db.transaction(() => {
        const current = schemaVersion(db);
        if (current >= SCHEMA_STEPS.length) return;
        db.exec(SCHEMA_STEPS[current] as string);
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) throw new Error(`Schema step ${current + 1} broke ${violations.length} references`);
        db.pragma(`user_version = ${current + 1}`);
      }).immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
