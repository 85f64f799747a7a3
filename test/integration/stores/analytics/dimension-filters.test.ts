/**
 * A filtered rates query is still answered from the daily lane totals projection (keyed by container
 * type and contract term too), and answers as the raw prices say; the spread query reads the prices.
 * Real chDB.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseStoreOptions } from '../../../../src/app/rateline';
import type { PriceRecord } from '../../../../src/domain/batch';
import { parseDay, type EpochDay } from '../../../../src/domain/day';
import { dimensionFilterOf, filtersNothing, type DimensionFilter } from '../../../../src/domain/freight-dimensions';
import type { AnalyticsStore } from '../../../../src/stores/analytics';
import { select } from '../../../../src/stores/analytics/clickhouse/database';
import {
  DAILY_LANE_DIMENSION_TOTALS,
  DAILY_LANE_TOTALS,
  dailyPriceSpreadsQuery,
  dailyPriceTotalsQuery,
  selectedPricesParams,
} from '../../../../src/stores/analytics/clickhouse/sql';
import { seededRandom } from '../../../../scripts/seeded-random';
import {
  openChdbClient,
  openChdbStore,
  removeDataDir,
  temporaryDataDir,
  testConfig,
} from '../../../helpers/components';

const FIRST_DAY = parseDay('2021-01-04')!;
const ORIGINS = ['OAAAA', 'OBBBB'];
const DESTINATIONS = ['DAAAA', 'DBBBB'];
const TYPES = [null, '20DC', '40HC'] as const;
const TERMS = [null, 'SHORT_TERM', 'LONG_TERM'] as const;

let dataDir: string;
let store: AnalyticsStore;
let client: ClickHouseClient;
let db: string;
const random = seededRandom(17_05);
const prices: PriceRecord[] = Array.from({ length: 2_000 }, (_, itemIndex) => {
  const cents = 10_000 + Math.floor(random() * 90_000);
  return {
    itemIndex,
    originCode: ORIGINS[Math.floor(random() * ORIGINS.length)]!,
    destinationCode: DESTINATIONS[Math.floor(random() * DESTINATIONS.length)]!,
    day: (FIRST_DAY + Math.floor(random() * 20)) as EpochDay,
    usdCents: cents,
    currency: 'USD',
    amountMinor: cents,
    usdPerUnit: '1',
    containerType: TYPES[Math.floor(random() * TYPES.length)]!,
    contractTerm: TERMS[Math.floor(random() * TERMS.length)]!,
  };
});

beforeAll(async () => {
  dataDir = temporaryDataDir();
  store = await openChdbStore(dataDir);
  client = openChdbClient(dataDir);
  db = clickHouseStoreOptions(testConfig(dataDir).clickhouse).database;
  await store.replica.applyChanges({ batches: [{ batchId: 'f0', prices }], retractedBatchIds: [] });
}, 60_000);
afterAll(async () => {
  await client?.close();
  await store?.close();
  removeDataDir(dataDir);
});

const lane = { originPorts: ORIGINS, destinationPorts: DESTINATIONS };
const range = { from: FIRST_DAY, to: (FIRST_DAY + 19) as EpochDay };
/** The totals a question must be read from: a filter needs the dimension keys, no filter the lane totals. */
const force = (dimensions: DimensionFilter): string =>
  `SETTINGS force_optimize_projection = 1, force_optimize_projection_name = '${
    filtersNothing(dimensions) ? DAILY_LANE_TOTALS : DAILY_LANE_DIMENSION_TOTALS
  }'`;

function expectedTotals(filter: DimensionFilter) {
  const byDay = new Map<number, { day: number; priceCount: number; totalUsdCents: number }>();
  for (const p of prices) {
    if (
      filter.containerTypes !== null &&
      (p.containerType === null || !filter.containerTypes.includes(p.containerType))
    )
      continue;
    if (filter.contractTerm !== null && p.contractTerm !== filter.contractTerm) continue;
    const t = byDay.get(p.day) ?? { day: p.day, priceCount: 0, totalUsdCents: 0 };
    byDay.set(p.day, { ...t, priceCount: t.priceCount + 1, totalUsdCents: t.totalUsdCents + p.usdCents });
  }
  return [...byDay.values()].sort((a, b) => a.day - b.day);
}

it.each([
  ['no filter', dimensionFilterOf(null, null)],
  ['a container type', dimensionFilterOf(['40HQ'], null)],
  ['a contract term', dimensionFilterOf(null, 'LONG_TERM')],
  ['both', dimensionFilterOf(['40HC', '20DC'], 'SHORT_TERM')],
])('answers the rates query with %s from the projection, as the raw prices say', async (_name, dimensions) => {
  const ports = { ...lane, dimensions };
  const forced = await select<{ epochDay: number; priceCount: number; totalUsdCents: number }>(
    client,
    `${dailyPriceTotalsQuery(db, dimensions)}\n${force(dimensions)}`,
    selectedPricesParams(ports, range),
  );
  const expected = expectedTotals(dimensions);
  expect(expected.length).toBeGreaterThan(10);
  expect(
    forced.map((r) => ({ day: r.epochDay, priceCount: r.priceCount, totalUsdCents: Number(r.totalUsdCents) })),
  ).toEqual(expected);
  expect(await store.totals.dailyPriceTotals(ports, range)).toEqual(expected);
});

it('reads the prices for the spread (the projection cannot answer it)', async () => {
  const dimensions = dimensionFilterOf(['40HC'], null);
  const ports = { ...lane, dimensions };
  await expect(
    select(
      client,
      `${dailyPriceSpreadsQuery(db, { excludeOutliers: false }, dimensions)}\n${force(dimensions)}`,
      selectedPricesParams(ports, range),
    ),
  ).rejects.toThrow(/projection/i);
});
