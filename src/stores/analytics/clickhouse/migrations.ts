import type { ClickHouseClient } from '@clickhouse/client';
import { select } from './database';
import { dropEmptiedParts, type PartsConnection } from './emptied-parts';
import { DAILY_LANE_DIMENSION_TOTALS, DAILY_LANE_TOTALS } from './sql';

/**
 * Versioned migrations of the analytics schema. Every statement is idempotent (`IF NOT EXISTS`), and a
 * version is recorded only after all its statements ran, so re-running after a crash, or two processes
 * racing at start, converges on the same schema. Versions are only ever appended.
 *
 * The `prices` layout (docs/architecture.md, "Analytics store") in short:
 * - `ORDER BY (origin_code, destination_code, day)`: the rates query filters on a set of origin ports,
 *   a set of destination ports and a day range, so the primary index narrows each lane to the days
 *   asked for and reads nothing else.
 * - No `PARTITION BY`: an INSERT of up to `max_insert_block_size` rows then becomes exactly one part,
 *   which ClickHouse makes visible atomically. The replicator relies on that: a batch is either wholly
 *   in `prices` or absent, so "is batch X here?" is an exact question and redelivery can be skipped.
 * - `batch_id` lets a retraction delete a whole batch (a lightweight DELETE, masked at once for every
 *   query); (`batch_id`, `item_index`) identifies a price in every store.
 * - `replication_checkpoints` keeps the replicator's feed position in the replica it describes.
 * - `replica_batches` records what the replica holds of each batch (`ReplicaBatchState`), newest
 *   `version` first: the replicator looks up the batches of every flush there (by primary key) and
 *   skips what is already applied, so a replay of any length counts nothing twice.
 * - `daily_lane_dimension_totals`, an aggregate projection of `prices` (version 5; version 4's
 *   `daily_lane_totals` before it, see there).
 * - `container_type`, `contract_term` (version 5): what a price is for, '' where unspecified.
 */
interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: (db: string) => readonly string[];
  /** What follows the statements and depends on what they find (run again with them after a crash). */
  readonly after?: (connection: PartsConnection, db: string) => Promise<void>;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'prices laid out by lane then day',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.prices (
         origin_code      LowCardinality(String),
         destination_code LowCardinality(String),
         day              Date,
         usd_cents        Int64,
         batch_id         String,
         price_id         UInt64,
         change_seq       UInt64
       ) ENGINE = MergeTree
       ORDER BY (origin_code, destination_code, day)`,
    ],
  },
  {
    version: 2,
    description: 'replication: prices keyed by batch item, checkpoints, replica identity',
    statements: (db) => [
      // Version 1 rows came only from the direct loader that the replicator replaces; it re-creates them
      // from the operational store, so dropping them cannot lose anything.
      `TRUNCATE TABLE IF EXISTS ${db}.prices`,
      `ALTER TABLE ${db}.prices DROP COLUMN IF EXISTS change_seq`,
      `ALTER TABLE ${db}.prices RENAME COLUMN IF EXISTS price_id TO item_index`,
      `CREATE TABLE IF NOT EXISTS ${db}.replication_checkpoints (
         version       UInt64,
         position      String,
         applied_at_ms UInt64
       ) ENGINE = ReplacingMergeTree(version)
       ORDER BY tuple()`,
      `CREATE TABLE IF NOT EXISTS ${db}.replica (replica_id UUID) ENGINE = MergeTree ORDER BY tuple()`,
      `INSERT INTO ${db}.replica SELECT generateUUIDv4() WHERE (SELECT count() FROM ${db}.replica) = 0`,
    ],
  },
  {
    version: 3,
    description: 'replication: what the replica holds of each batch',
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.replica_batches (
         batch_id String,
         state    Enum8('copying' = 1, 'counted' = 2, 'retracting' = 3, 'retracted' = 4),
         version  UInt64
       ) ENGINE = ReplacingMergeTree(version)
       ORDER BY batch_id`,
      // The batches already here, at version 0 (below every version the replicator writes). In doubt,
      // since a large batch may have been cut short: the replicator checks how far each got the first
      // time it meets it again. Running this twice only repeats the same rows.
      `INSERT INTO ${db}.replica_batches (batch_id, state, version)
         SELECT DISTINCT batch_id, 'copying', 0 FROM ${db}.prices`,
    ],
  },
  {
    version: 4,
    description: 'daily lane totals: an aggregate projection of prices',
    statements: (db) => [
      // A lightweight DELETE (a retraction) on a table with projections throws by default; `rebuild`
      // rewrites the projection of every part it deletes from in the same mutation, so each part's
      // totals change with its rows. Set first, so that no retraction fails in between.
      `ALTER TABLE ${db}.prices MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild'`,
      // Count and exact sum per lane and day, kept inside each part: an INSERT's totals become visible
      // in the same instant as its rows, merges merge them, and the rates query reads them instead of
      // the prices (the optimizer matches its filter and GROUP BY day to these keys). A new price
      // dimension is one more key: version 5 drops this projection and adds one with the container type
      // and contract term. Version 4 still creates this one, so that a test can build a version-4 replica.
      `ALTER TABLE ${db}.prices ADD PROJECTION IF NOT EXISTS ${DAILY_LANE_TOTALS} (
         SELECT origin_code, destination_code, day, count(), sum(usd_cents)
          GROUP BY origin_code, destination_code, day)`,
      // Builds the totals of the parts already here (masking the rows deleted before), and waits for
      // it: once version 4 is recorded, every part holds them.
      `ALTER TABLE ${db}.prices MATERIALIZE PROJECTION ${DAILY_LANE_TOTALS} SETTINGS mutations_sync = 2`,
    ],
    // Parts whose rows were all retracted before come out of MATERIALIZE without totals.
    after: (connection, db) => dropEmptiedParts(connection, db, DAILY_LANE_TOTALS),
  },
  {
    version: 5,
    description: 'price dimensions: container type and contract term, daily totals per dimension',
    statements: (db) => [
      // '' is unspecified: every price already here, which is what the reference dataset holds. Adding a
      // column with a DEFAULT rewrites no part; the old parts read the default.
      `ALTER TABLE ${db}.prices ADD COLUMN IF NOT EXISTS container_type LowCardinality(String) DEFAULT ''`,
      `ALTER TABLE ${db}.prices ADD COLUMN IF NOT EXISTS contract_term LowCardinality(String) DEFAULT ''`,
      // Totals with the two keys as well, so that a filter on them is still read from totals. Version 4's
      // stay: the extra keys split each lane and day into up to eighteen rows, and a question without a
      // filter (every question until now) keeps reading one per lane and day, since the optimizer picks
      // the projection with the fewest marks that can answer. The price is a second set of totals to
      // write and, on a retraction, to rebuild. Built for the parts already here (as in version 4,
      // retracted rows left out), waited for.
      `ALTER TABLE ${db}.prices ADD PROJECTION IF NOT EXISTS ${DAILY_LANE_DIMENSION_TOTALS} (
         SELECT origin_code, destination_code, day, container_type, contract_term, count(), sum(usd_cents)
          GROUP BY origin_code, destination_code, day, container_type, contract_term)`,
      `ALTER TABLE ${db}.prices MATERIALIZE PROJECTION ${DAILY_LANE_DIMENSION_TOTALS} SETTINGS mutations_sync = 2`,
    ],
    after: (connection, db) => dropEmptiedParts(connection, db, DAILY_LANE_DIMENSION_TOTALS),
  },
];

/**
 * Applies the migrations not yet recorded, up to `throughVersion` (all of them unless a test builds an
 * older replica), and answers the schema version the code expects.
 */
export async function migrateAnalyticsSchema(
  client: ClickHouseClient,
  database: string,
  throughVersion = Number.POSITIVE_INFINITY,
): Promise<number> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${database}.schema_migrations (
              version UInt32, description String, applied_at DateTime DEFAULT now()
            ) ENGINE = MergeTree ORDER BY version`,
  });
  const [row] = await select<{ version: number | string }>(
    client,
    `SELECT max(version) AS version FROM ${database}.schema_migrations`,
  );
  const applied = Number(row?.version ?? 0);
  const connection: PartsConnection = {
    select: (query, params) => select(client, query, params),
    command: async (params) => {
      await client.command(params);
    },
  };
  for (const migration of migrations.filter((m) => m.version > applied && m.version <= throughVersion)) {
    for (const statement of migration.statements(database)) await client.command({ query: statement });
    await migration.after?.(connection, database);
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: migration.version, description: migration.description }],
      format: 'JSONEachRow',
    });
  }
  return migrations.at(-1)?.version ?? 0;
}
