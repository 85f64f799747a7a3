/**
 * The daily lane totals (the `daily_lane_totals` aggregate projection of `prices`) against an oracle:
 * count and sum per day computed here, from the raw prices these tests wrote, never by the code under
 * test. Random lanes (sets of ports) and ranges, before and after retractions, after merges, after a
 * replay of the feed, and across the migration that adds the projection. Real chDB throughout.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseStoreOptions } from '../../../../src/app/rateline';
import type { PriceRecord } from '../../../../src/domain/batch';
import { formatDay, parseDay, type EpochDay } from '../../../../src/domain/day';
import type { IngestService } from '../../../../src/ingest';
import type { AnalyticsStore, DailyPriceTotal, DayRange, LanePorts } from '../../../../src/stores/analytics';
import { select } from '../../../../src/stores/analytics/clickhouse/database';
import { migrateAnalyticsSchema } from '../../../../src/stores/analytics/clickhouse/migrations';
import {
  DAILY_LANE_DIMENSION_TOTALS,
  DAILY_LANE_TOTALS,
  dailyPriceTotalsQuery,
  dailyPriceTotalsSettings,
  settingsClause,
  dailyTotalsWithoutOutliersQuery,
  deleteBatchesStatement,
  partsWithoutTotalsQuery,
  pricesTable,
  selectedPricesParams,
} from '../../../../src/stores/analytics/clickhouse/sql';
import { seededRandom } from '../../../../scripts/seeded-random';
import { TEST_SUPPLIER } from '../../../helpers/batch-actors';
import {
  closeEmbeddedStores,
  openChdbClient,
  openChdbStore,
  openEmbeddedStores,
  removeDataDir,
  temporaryDataDir,
  testConfig,
  type EmbeddedStores,
} from '../../../helpers/components';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../../helpers/replication';

const FIRST_DAY = parseDay('2016-01-01')!;
const DAYS = 90;
/** Up to 10 million dollars a price, so that sums go far past 32 bits and must stay exact. */
const MAX_CENTS = 1_000_000_000;

interface RawPrice {
  readonly batchId: string;
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: EpochDay;
  readonly usdCents: number;
}

/** The oracle: count and sum per day of the prices on the lane and in the range, ascending. */
function expectedTotals(prices: readonly RawPrice[], lane: LanePorts, range: DayRange): DailyPriceTotal[] {
  const byDay = new Map<number, { count: number; cents: number }>();
  for (const p of prices) {
    if (!lane.originPorts.includes(p.originCode) || !lane.destinationPorts.includes(p.destinationCode)) continue;
    if (p.day < range.from || p.day > range.to) continue;
    const total = byDay.get(p.day) ?? { count: 0, cents: 0 };
    byDay.set(p.day, { count: total.count + 1, cents: total.cents + p.usdCents });
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, t]) => ({ day: day as EpochDay, priceCount: t.count, totalUsdCents: t.cents }));
}

/** A random question: 1..all origins and destinations (sometimes a port with no price), a range that may overhang the data. */
function randomQuestion(
  random: () => number,
  origins: readonly string[],
  destinations: readonly string[],
): { lane: LanePorts; range: DayRange } {
  const pick = (ports: readonly string[]): string[] => {
    const chosen = ports.filter(() => random() < 0.5);
    if (chosen.length === 0) chosen.push(ports[Math.floor(random() * ports.length)]!);
    if (random() < 0.2) chosen.push('ZZZZZ');
    return chosen;
  };
  const from = FIRST_DAY - 5 + Math.floor(random() * (DAYS + 5));
  const to = from + Math.floor(random() * (DAYS / 2));
  return {
    lane: { originPorts: pick(origins), destinationPorts: pick(destinations) },
    range: { from, to } as DayRange,
  };
}

/** Random prices of one batch on the given ports, over {@link DAYS} days from {@link FIRST_DAY}. */
function randomPrices(
  random: () => number,
  batchId: string,
  count: number,
  origins: readonly string[],
  destinations: readonly string[],
): RawPrice[] {
  return Array.from({ length: count }, () => ({
    batchId,
    originCode: origins[Math.floor(random() * origins.length)]!,
    destinationCode: destinations[Math.floor(random() * destinations.length)]!,
    day: (FIRST_DAY + Math.floor(random() * DAYS)) as EpochDay,
    usdCents: 1 + Math.floor(random() * MAX_CENTS),
  }));
}

const asRecords = (prices: readonly RawPrice[], firstIndex = 0): PriceRecord[] =>
  prices.map((p, i) => ({
    itemIndex: firstIndex + i,
    originCode: p.originCode,
    destinationCode: p.destinationCode,
    day: p.day,
    usdCents: p.usdCents,
    currency: 'USD',
    amountMinor: p.usdCents,
    usdPerUnit: '1',
    containerType: null,
    contractTerm: null,
  }));

/** SQL on the chDB the store under test holds, on a client of its own. */
async function sql<Row>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}) {
  return select<Row>(client, query, params);
}

/**
 * The active parts that still hold a price that counts but no daily totals: the rates query would
 * read those parts' prices. Empty while every insert, DELETE and merge keeps the projection.
 */
async function partsWithoutTotals(client: ClickHouseClient, database: string): Promise<string[]> {
  const rows = await sql<{ part: string }>(
    client,
    `SELECT DISTINCT _part AS part FROM ${database}.prices
      WHERE _part NOT IN (SELECT parent_name FROM system.projection_parts
                           WHERE database = {db:String} AND table = 'prices' AND active AND name = {projection:String})
      ORDER BY part`,
    { db: database, projection: DAILY_LANE_DIMENSION_TOTALS },
  );
  return rows.map((r) => r.part);
}

/** Parts a DELETE emptied and left without totals (dropEmptiedParts removes them). */
async function emptiedParts(client: ClickHouseClient, database: string): Promise<string[]> {
  return (
    await sql<{ name: string }>(client, partsWithoutTotalsQuery, {
      db: database,
      projection: DAILY_LANE_DIMENSION_TOTALS,
    })
  ).map((r) => r.name);
}

async function activeParts(client: ClickHouseClient, database: string): Promise<number> {
  const [row] = await sql<{ n: number | string }>(
    client,
    `SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = 'prices' AND active`,
    { db: database },
  );
  return Number(row?.n ?? 0);
}

/** Asks `questions` random questions and expects each answer to be the oracle's. */
async function expectOracleAnswers(
  store: AnalyticsStore,
  prices: readonly RawPrice[],
  random: () => number,
  origins: readonly string[],
  destinations: readonly string[],
  questions = 40,
): Promise<void> {
  for (let i = 0; i < questions; i++) {
    const { lane, range } = randomQuestion(random, origins, destinations);
    const answer = await store.totals.dailyPriceTotals(lane, range);
    expect({ lane, range: [formatDay(range.from), formatDay(range.to)], answer }).toEqual({
      lane,
      range: [formatDay(range.from), formatDay(range.to)],
      answer: expectedTotals(prices, lane, range),
    });
  }
}

/** The columns of `prices` before version 5 added the dimensions. */
const VERSION_3_PRICE_COLUMNS: [string, ...string[]] = [
  'origin_code',
  'destination_code',
  'day',
  'usd_cents',
  'batch_id',
  'item_index',
];

const database = (dataDir: string): string => clickHouseStoreOptions(testConfig(dataDir).clickhouse).database;

describe('daily lane totals: inserts, retractions, merges', () => {
  const ORIGINS = ['OAAAA', 'OBBBB', 'OCCCC', 'ODDDD', 'OEEEE', 'OFFFF'];
  const DESTINATIONS = ['DAAAA', 'DBBBB', 'DCCCC', 'DDDDD', 'DEEEE'];
  let dataDir: string;
  let store: AnalyticsStore;
  let client: ClickHouseClient;
  let db: string;
  const random = seededRandom(14_02);
  const batches = Array.from({ length: 14 }, (_, i) =>
    randomPrices(random, `t${i}`, 50 + Math.floor(random() * 3000), ORIGINS, DESTINATIONS),
  );
  let live: RawPrice[] = batches.flat();

  const apply = (parts: readonly { batch: number; slice?: 'first' | 'second' }[]): Promise<void> =>
    store.replica.applyChanges({
      batches: parts.map(({ batch, slice }) => {
        const prices = batches[batch]!;
        const half = Math.floor(prices.length / 2);
        if (slice === undefined) return { batchId: `t${batch}`, prices: asRecords(prices) };
        return slice === 'first'
          ? { batchId: `t${batch}`, prices: asRecords(prices.slice(0, half)) }
          : { batchId: `t${batch}`, prices: asRecords(prices.slice(half), half) };
      }),
      retractedBatchIds: [],
    });
  const retract = (ids: readonly string[]): Promise<void> =>
    store.replica.applyChanges({ batches: [], retractedBatchIds: ids });

  beforeAll(async () => {
    dataDir = temporaryDataDir();
    store = await openChdbStore(dataDir);
    client = openChdbClient(dataDir);
    db = database(dataDir);
    // Parts of every kind: four batches in one INSERT, batches of their own, a batch in two slices
    // (its second one shared with another batch, as the replicator's flushes do), then all merged
    // into one part, then more batches of their own after the merge.
    await apply([{ batch: 0 }, { batch: 1 }, { batch: 2 }, { batch: 3 }]);
    for (const batch of [4, 5, 6, 7]) await apply([{ batch }]);
    await apply([{ batch: 8, slice: 'first' }]);
    await apply([{ batch: 8, slice: 'second' }, { batch: 9 }]);
    await client.command({ query: `OPTIMIZE TABLE ${db}.prices FINAL` });
    for (const batch of [10, 11, 12, 13]) await apply([{ batch }]);
  });
  afterAll(async () => {
    await client?.close();
    await store?.close();
    removeDataDir(dataDir);
  });

  it('answers what the raw prices say, on random lanes and ranges, each part holding its totals', async () => {
    await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
    expect(await partsWithoutTotals(client, db)).toEqual([]);
  });

  it('reads the daily totals, not the prices (the query fails if the projection cannot answer it)', async () => {
    const lane = { originPorts: ORIGINS.slice(0, 3), destinationPorts: DESTINATIONS };
    const range = { from: FIRST_DAY, to: (FIRST_DAY + DAYS - 1) as EpochDay };
    const force = `SETTINGS force_optimize_projection = 1, force_optimize_projection_name = '${DAILY_LANE_TOTALS}'`;
    const params = selectedPricesParams(lane, range);
    const forced = await sql<{ epochDay: number; priceCount: number; totalUsdCents: number }>(
      client,
      `${dailyPriceTotalsQuery(db)}\n${force}`,
      params,
    );
    expect(forced.map((r) => ({ day: r.epochDay, priceCount: r.priceCount, totalUsdCents: r.totalUsdCents }))).toEqual(
      expectedTotals(live, lane, range),
    );
    // The same setting on a query the projection cannot answer (it needs each price): it does fail.
    await expect(sql(client, `${dailyTotalsWithoutOutliersQuery(db)}\n${force}`, params)).rejects.toThrow(
      /projection/i,
    );
  });

  it('answers a question without a filter from the lane totals, a filtered one from the dimension totals', async () => {
    const range = { from: FIRST_DAY, to: (FIRST_DAY + DAYS - 1) as EpochDay };
    const readsFrom = async (lane: LanePorts): Promise<string[]> => {
      const plan = await sql<{ explain: string }>(
        client,
        `EXPLAIN ${dailyPriceTotalsQuery(db, lane.dimensions)}\n${settingsClause(dailyPriceTotalsSettings(lane.dimensions))}`,
        selectedPricesParams(lane, range),
      );
      return plan.flatMap((r) => /ReadFromMergeTree \((\w+)\)/.exec(r.explain)?.[1] ?? []);
    };
    const lane = { originPorts: ORIGINS.slice(0, 3), destinationPorts: DESTINATIONS };
    expect(await readsFrom(lane)).toEqual([DAILY_LANE_TOTALS]);
    const filtered = { ...lane, dimensions: { containerTypes: ['40HC' as const], contractTerm: null } };
    expect(await readsFrom(filtered)).toEqual([DAILY_LANE_DIMENSION_TOTALS]);
  });

  it('stops counting retracted batches at once: in a merged part, across slices, a whole part of their own', async () => {
    // t2 and t8 (in two slices) are in the merged part with others; t11 is a part of its own.
    await retract(['t2', 't8', 't11']);
    live = live.filter((p) => !['t2', 't8', 't11'].includes(p.batchId));
    await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
    expect(await partsWithoutTotals(client, db)).toEqual([]);
    // t11's part held nothing else: it is gone rather than left without totals, where no merge would take it.
    expect(await emptiedParts(client, db)).toEqual([]);
  });

  it('changes nothing when the same retraction comes again (a replay after a crash)', async () => {
    await retract(['t2', 't8', 't11']);
    await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
  });

  it('keeps the totals exact through a merge of parts with retracted rows, and later inserts and retractions', async () => {
    await retract(['t12']);
    live = live.filter((p) => p.batchId !== 't12');
    const later = randomPrices(random, 't14', 2000, ORIGINS, DESTINATIONS);
    await store.replica.applyChanges({
      batches: [{ batchId: 't14', prices: asRecords(later) }],
      retractedBatchIds: [],
    });
    live = [...live, ...later];
    await client.command({ query: `OPTIMIZE TABLE ${db}.prices FINAL SETTINGS optimize_throw_if_noop = 1` });
    expect(await activeParts(client, db)).toBe(1);
    await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
    await retract(['t0', 't14']);
    live = live.filter((p) => p.batchId !== 't0' && p.batchId !== 't14');
    await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
    expect(await partsWithoutTotals(client, db)).toEqual([]);
  });
});

describe('daily lane totals: replication, retraction and a replay of the whole feed', () => {
  const ORIGINS = ['CNSGH', 'CNNBO', 'CNYTN', 'HKHKG'];
  const DESTINATIONS = ['NLRTM', 'DEHAM', 'BEANR'];
  let stores: EmbeddedStores;
  const random = seededRandom(14_03);
  const options = { ...FAST_REPLICATOR_OPTIONS, flushMaxPrices: 700 };

  beforeAll(async () => {
    stores = await openEmbeddedStores();
  });
  afterAll(() => closeEmbeddedStores(stores));

  async function submit(ingest: IngestService, prices: readonly RawPrice[], key: string): Promise<string> {
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: prices.map((p) => ({
        originCode: p.originCode,
        destinationCode: p.destinationCode,
        day: formatDay(p.day),
        price: p.usdCents / 100,
        currency: 'USD',
      })),
      idempotencyKey: key,
      skipInvalid: false,
    });
    return batch.id;
  }

  async function replicate(): Promise<void> {
    const replicator = newReplicator(stores.operational, stores.analytics.replica, options);
    replicator.start();
    await replicator.caughtUp(30_000);
    await replicator.stop();
  }

  it('counts each price once through the replicator: after copying, after retractions, after a replay', async () => {
    // Prices of at most 100,000 dollars, whole cents, as the write path accepts them.
    const submitted = Array.from({ length: 8 }, (_, i) =>
      randomPrices(random, `k${i}`, 100 + Math.floor(random() * 1500), ORIGINS, DESTINATIONS).map((p) => ({
        ...p,
        usdCents: 1 + (p.usdCents % 10_000_000),
      })),
    );
    const ids: string[] = [];
    for (const [i, prices] of submitted.entries()) ids.push(await submit(stores.ingest, prices, `k${i}`));
    const withIds = submitted.flatMap((prices, i) => prices.map((p) => ({ ...p, batchId: ids[i]! })));
    await replicate();
    await expectOracleAnswers(stores.analytics, withIds, random, ORIGINS, DESTINATIONS, 25);

    const retracted = [ids[1]!, ids[6]!];
    for (const id of retracted) await stores.ingest.retractBatch(TEST_SUPPLIER, id);
    await replicate();
    const live = withIds.filter((p) => !retracted.includes(p.batchId));
    await expectOracleAnswers(stores.analytics, live, random, ORIGINS, DESTINATIONS, 25);

    // The checkpoint back at the start of the feed: every batch and retraction comes again.
    const checkpoint = await stores.analytics.replica.replicationCheckpoint();
    await stores.analytics.replica.saveCheckpoint({
      position: '0',
      appliedAt: new Date(),
      version: (checkpoint?.version ?? 0) + 1,
    });
    await replicate();
    await expectOracleAnswers(stores.analytics, live, random, ORIGINS, DESTINATIONS, 25);
  });
});

describe('daily lane totals: migrating a replica that holds prices (version 3 to the newest)', () => {
  const ORIGINS = ['OAAAA', 'OBBBB', 'OCCCC'];
  const DESTINATIONS = ['DAAAA', 'DBBBB', 'DCCCC', 'DDDDD'];
  let dataDir: string;
  let db: string;
  const random = seededRandom(14_04);
  const batches = Array.from({ length: 6 }, (_, i) =>
    randomPrices(random, `m${i}`, 400 + i * 150, ORIGINS, DESTINATIONS),
  );
  let live: RawPrice[] = batches.flat();

  beforeAll(() => {
    dataDir = temporaryDataDir();
    db = database(dataDir);
  });
  afterAll(() => removeDataDir(dataDir));

  it('builds the totals of the prices already there, retracted rows left out, and answers the same', async () => {
    // A replica at version 3, written the way version 3's replicator wrote it: one INSERT per batch,
    // then a retraction of a whole batch (m1) and of one sharing a part (m4, inserted with m5).
    const old = openChdbClient(dataDir);
    try {
      await migrateAnalyticsSchema(old, db, 3);
      const insert = (ids: readonly number[]) =>
        old.insert({
          table: pricesTable(db),
          columns: VERSION_3_PRICE_COLUMNS,
          values: ids.flatMap((b) =>
            asRecords(batches[b]!).map((p) => [
              p.originCode,
              p.destinationCode,
              formatDay(p.day),
              p.usdCents,
              `m${b}`,
              p.itemIndex,
            ]),
          ),
          format: 'JSONCompactEachRow',
        });
      for (const ids of [[0], [1], [2], [3], [4, 5]]) await insert(ids);
      await old.command({ query: deleteBatchesStatement(db), query_params: { ids: ['m1', 'm4'] } });
      const [version] = await sql<{ v: number }>(old, `SELECT max(version) AS v FROM ${db}.schema_migrations`);
      expect(version?.v).toBe(3);
    } finally {
      await old.close();
    }
    live = live.filter((p) => p.batchId !== 'm1' && p.batchId !== 'm4');

    const store = await openChdbStore(dataDir);
    const client = openChdbClient(dataDir);
    try {
      const [version] = await sql<{ v: number }>(client, `SELECT max(version) AS v FROM ${db}.schema_migrations`);
      expect(version?.v).toBe(5);
      await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
      expect(await partsWithoutTotals(client, db)).toEqual([]);
      // m1's part, all of it retracted before, is dropped rather than left without totals.
      expect(await emptiedParts(client, db)).toEqual([]);
      await client.command({ query: `OPTIMIZE TABLE ${db}.prices FINAL SETTINGS optimize_throw_if_noop = 1` });
      await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('keeps the DELETE mode on the migrated table: a retraction after a restart works and stays exact', async () => {
    const store = await openChdbStore(dataDir);
    const client = openChdbClient(dataDir);
    try {
      const [table] = await sql<{ create: string }>(
        client,
        `SELECT create_table_query AS create FROM system.tables WHERE database = {db:String} AND name = 'prices'`,
        { db },
      );
      expect(table?.create).toContain(`lightweight_mutation_projection_mode = 'rebuild'`);
      await store.replica.applyChanges({ batches: [], retractedBatchIds: ['m2'] });
      live = live.filter((p) => p.batchId !== 'm2');
      await expectOracleAnswers(store, live, random, ORIGINS, DESTINATIONS);
      expect(await partsWithoutTotals(client, db)).toEqual([]);
    } finally {
      await client.close();
      await store.close();
    }
  });
});
