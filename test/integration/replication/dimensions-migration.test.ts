/**
 * Upgrading a data directory of the version before price dimensions (issue 17): a SQLite file at the
 * schema steps before dimensions and a chDB replica at analytics version 4, holding prices, batch
 * states and a checkpoint written with the statements that version used. Opened with the new code,
 * every price is kept (unspecified, same counts and sums per lane and day), the checkpoint is kept, and
 * replication continues from it without counting anything twice. The oracle is the raw prices below.
 */
import path from 'node:path';
import { clickHouseStoreOptions } from '../../../src/app/rateline';
import { formatDay, parseDay, type EpochDay } from '../../../src/domain/day';
import { readReferenceDataset } from '../../../src/reference-data';
import { select } from '../../../src/stores/analytics/clickhouse/database';
import { migrateAnalyticsSchema } from '../../../src/stores/analytics/clickhouse/migrations';
import { newBatchRow } from '../../../src/stores/operational/sqlite/batch-rows';
import { openSqliteConnection } from '../../../src/stores/operational/sqlite/connection';
import { SCHEMA_STEPS } from '../../../src/stores/operational/sqlite/schema';
import { seededRandom } from '../../../scripts/seeded-random';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';
import {
  ingestFor,
  openChdbClient,
  openChdbStore,
  openSqliteStore,
  removeDataDir,
  temporaryDataDir,
  testConfig,
} from '../../helpers/components';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';

/** The SQLite steps and the analytics version of the schema before dimensions. */
const SQLITE_STEPS_BEFORE = 7;
const ANALYTICS_VERSION_BEFORE = 4;

interface RawPrice {
  readonly batchId: string;
  readonly itemIndex: number;
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: EpochDay;
  readonly usdCents: number;
}

type Totals = Record<string, { count: number; cents: number }>;

/** The oracle: count and sum per lane and day, keyed "origin destination day". */
function totalsOf(prices: readonly Pick<RawPrice, 'originCode' | 'destinationCode' | 'day' | 'usdCents'>[]): Totals {
  const totals: Totals = {};
  for (const p of prices) {
    const key = `${p.originCode} ${p.destinationCode} ${formatDay(p.day)}`;
    const total = (totals[key] ??= { count: 0, cents: 0 });
    total.count += 1;
    total.cents += p.usdCents;
  }
  return totals;
}

const ORIGINS = ['CNSGH', 'CNNBO', 'HKHKG'];
const DESTINATIONS = ['NLRTM', 'DEHAM'];
const FIRST_DAY = parseDay('2016-01-01')!;

describe('a data directory from before price dimensions', () => {
  const dataDir = temporaryDataDir();
  const database = clickHouseStoreOptions(testConfig(dataDir).clickhouse).database;
  const random = seededRandom(17_05);
  const batchIds = ['old-a', 'old-b', 'old-c'];
  const old: RawPrice[] = batchIds.flatMap((batchId) =>
    Array.from({ length: 200 + Math.floor(random() * 300) }, (_, itemIndex) => ({
      batchId,
      itemIndex,
      originCode: ORIGINS[Math.floor(random() * ORIGINS.length)]!,
      destinationCode: DESTINATIONS[Math.floor(random() * DESTINATIONS.length)]!,
      day: (FIRST_DAY + Math.floor(random() * 20)) as EpochDay,
      usdCents: 50_000 + Math.floor(random() * 300_000),
    })),
  );
  const checkpointAt = 1_700_000_000_000;

  afterAll(() => removeDataDir(dataDir));

  beforeAll(async () => {
    // SQLite at the steps before dimensions, the batches recorded and their commits in the change log,
    // with the columns that version's insert named.
    const sqlite = openSqliteConnection(path.join(dataDir, 'operational.sqlite'));
    try {
      for (const [version, step] of SCHEMA_STEPS.slice(0, SQLITE_STEPS_BEFORE).entries()) {
        sqlite.exec(step);
        sqlite.pragma(`user_version = ${version + 1}`);
      }
      for (const batchId of batchIds) {
        const prices = old.filter((p) => p.batchId === batchId);
        const row = newBatchRow({
          id: batchId,
          owner: TEST_SUPPLIER.name,
          idempotency_key: batchId,
          request_hash: batchId,
          status: 'ACCEPTED',
          skip_invalid: 0,
          created_at: checkpointAt - 1000,
          item_count: prices.length,
          processed_count: prices.length,
          accepted_count: prices.length,
          counted_at: checkpointAt,
        });
        sqlite
          .prepare(
            `INSERT INTO batches (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row)
              .map((c) => `@${c}`)
              .join(', ')})`,
          )
          .run(row);
        const insert = sqlite.prepare(
          `INSERT INTO prices (batch_id, item_index, origin_code, destination_code, day, usd_cents, currency,
                               amount_minor, usd_per_unit) VALUES (?, ?, ?, ?, ?, ?, 'USD', ?, '1')`,
        );
        for (const p of prices) {
          insert.run(batchId, p.itemIndex, p.originCode, p.destinationCode, p.day, p.usdCents, p.usdCents);
        }
        sqlite.prepare(`INSERT INTO change_log (kind, batch_id, at) VALUES ('committed', ?, ?)`).run(batchId, 1);
      }
    } finally {
      sqlite.close();
    }
    // The replica at version 4 holding all three, recorded counted, and the checkpoint past their commits.
    const client = openChdbClient(dataDir);
    try {
      await migrateAnalyticsSchema(client, database, ANALYTICS_VERSION_BEFORE);
      await client.insert({
        table: `${database}.prices`,
        columns: ['origin_code', 'destination_code', 'day', 'usd_cents', 'batch_id', 'item_index'],
        values: old.map((p) => [p.originCode, p.destinationCode, formatDay(p.day), p.usdCents, p.batchId, p.itemIndex]),
        format: 'JSONCompactEachRow',
      });
      await client.insert({
        table: `${database}.replica_batches`,
        columns: ['batch_id', 'state', 'version'],
        values: batchIds.map((id) => [id, 'counted', 1]),
        format: 'JSONCompactEachRow',
      });
      await client.insert({
        table: `${database}.replication_checkpoints`,
        columns: ['version', 'position', 'applied_at_ms'],
        values: [[1, String(batchIds.length), checkpointAt]],
        format: 'JSONCompactEachRow',
      });
    } finally {
      await client.close();
    }
  });

  it('keeps every price unspecified and the checkpoint, and replication goes on from it counting nothing twice', async () => {
    const operational = openSqliteStore(dataDir);
    const analytics = await openChdbStore(dataDir);
    const client = openChdbClient(dataDir);
    try {
      const replicaTotals = async (): Promise<Totals> =>
        totalsOf(
          (
            await select<{ o: string; d: string; day: number; cents: number | string }>(
              client,
              `SELECT origin_code AS o, destination_code AS d, toUInt32(day) AS day, usd_cents AS cents
                 FROM ${database}.prices`,
            )
          ).map((r) => ({ originCode: r.o, destinationCode: r.d, day: r.day as EpochDay, usdCents: Number(r.cents) })),
        );
      const dimensionsInReplica = async (): Promise<string[]> =>
        (
          await select<{ dims: string }>(
            client,
            `SELECT DISTINCT concat(batch_id, ' ', container_type, '/', contract_term) AS dims
               FROM ${database}.prices ORDER BY dims`,
          )
        ).map((r) => r.dims);

      // The replica: same counts and sums per lane and day, every price unspecified, the checkpoint kept.
      expect(await replicaTotals()).toEqual(totalsOf(old));
      expect(await dimensionsInReplica()).toEqual(batchIds.map((id) => `${id} /`));
      expect(await analytics.replica.replicationCheckpoint()).toEqual({
        position: String(batchIds.length),
        version: 1,
        appliedAt: new Date(checkpointAt),
      });
      // The operational store: every price kept, unspecified.
      for (const batchId of batchIds) {
        const prices = await operational.batches.pricesOf(batchId, null, 10_000);
        expect(prices.map((p) => [p.itemIndex, p.originCode, p.destinationCode, p.day, p.usdCents])).toEqual(
          old
            .filter((p) => p.batchId === batchId)
            .map((p) => [p.itemIndex, p.originCode, p.destinationCode, p.day, p.usdCents]),
        );
        expect(new Set(prices.map((p) => `${p.containerType}/${p.contractTerm}`))).toEqual(new Set(['null/null']));
      }

      // A new batch with dimensions, then replication from the kept checkpoint.
      await operational.referenceData.upsert(readReferenceDataset());
      const fresh = Array.from({ length: 30 }, (_, i) => ({
        originCode: ORIGINS[i % ORIGINS.length]!,
        destinationCode: DESTINATIONS[i % DESTINATIONS.length]!,
        day: formatDay((FIRST_DAY + (i % 20)) as EpochDay),
        price: 1000 + i,
        currency: 'USD',
        containerType: i % 2 === 0 ? '40HC' : '20DC',
        contractTerm: 'LONG_TERM',
      }));
      const batch = await ingestFor(operational).submitPriceBatch(TEST_SUPPLIER, {
        items: fresh,
        idempotencyKey: 'after-the-upgrade',
        skipInvalid: false,
      });
      const replicator = newReplicator(operational, analytics.replica, FAST_REPLICATOR_OPTIONS);
      replicator.start();
      await replicator.caughtUp(30_000);
      await replicator.stop();

      const freshRaw = fresh.map((f) => ({ ...f, day: parseDay(f.day)!, usdCents: f.price * 100 }));
      expect(await replicaTotals()).toEqual(totalsOf([...old, ...freshRaw]));
      expect(await dimensionsInReplica()).toEqual(
        [...batchIds.map((id) => `${id} /`), `${batch.id} 20DC/LONG_TERM`, `${batch.id} 40HC/LONG_TERM`].sort(),
      );
      expect(Number((await analytics.replica.replicationCheckpoint())?.position)).toBe(batchIds.length + 1);
    } finally {
      await client.close();
      await analytics.close();
      await operational.close();
    }
  });
});
