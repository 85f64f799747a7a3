import { parseDay, type EpochDay } from '../../../src/domain/day';
import { createClickHouseClient } from '../../../src/stores/analytics/clickhouse/client';
import type { AnalyticsPrice, ClickHouseAnalyticsStore } from '../../../src/stores/analytics';
import { openChdbStore, removeDataDir, temporaryDataDir, testConfig } from '../../helpers/components';

const day = (text: string): EpochDay => parseDay(text)!;

let dataDir: string;
let store: ClickHouseAnalyticsStore;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  store = await openChdbStore(dataDir);
});
afterAll(async () => {
  await store.close();
  removeDataDir(dataDir);
});

const price = (
  priceId: number,
  originCode: string,
  destinationCode: string,
  day: string,
  usdCents: number,
  batchId = 'b1',
): AnalyticsPrice => ({
  priceId,
  batchId,
  originCode,
  destinationCode,
  day,
  usdCents,
});

describe('ClickHouseAnalyticsStore on chDB', () => {
  beforeAll(async () => {
    await store.appendPrices([
      price(1, 'AAAAA', 'BBBBB', '2016-01-01', 100_01),
      price(2, 'AAAAA', 'BBBBB', '2016-01-01', 200_02),
      price(3, 'AAAAA', 'CCCCC', '2016-01-01', 999_99),
      price(4, 'DDDDD', 'BBBBB', '2016-01-02', 50_00),
      price(5, 'AAAAA', 'BBBBB', '2016-01-05', 7_00, 'b2'),
      price(6, 'AAAAA', 'BBBBB', '2015-12-31', 1_00, 'b2'),
    ]);
  });

  it('sums and counts per day, only the lanes and days asked for, ascending', async () => {
    const totals = await store.dailyPriceTotals(
      { originPorts: ['AAAAA', 'DDDDD'], destinationPorts: ['BBBBB'] },
      { from: day('2016-01-01'), to: day('2016-01-05') },
    );
    expect(totals).toEqual([
      { day: day('2016-01-01'), priceCount: 2, totalUsdCents: 300_03 },
      { day: day('2016-01-02'), priceCount: 1, totalUsdCents: 50_00 },
      { day: day('2016-01-05'), priceCount: 1, totalUsdCents: 7_00 },
    ]);
  });

  it('answers nothing for an empty set of ports', async () => {
    const range = { from: day('2016-01-01'), to: day('2016-01-05') };
    expect(await store.dailyPriceTotals({ originPorts: [], destinationPorts: ['BBBBB'] }, range)).toEqual([]);
    expect(await store.dailyPriceTotals({ originPorts: ['AAAAA'], destinationPorts: [] }, range)).toEqual([]);
  });

  it('counts and removes a batch', async () => {
    expect(await store.batchPriceCount('b2')).toBe(2);
    await store.removeBatch('b2');
    expect(await store.batchPriceCount('b2')).toBe(0);
    expect(await store.batchPriceCount('b1')).toBe(4);
  });

  it('migrates idempotently: reopening applies nothing twice', async () => {
    const again = await openChdbStore(dataDir);
    await again.close();
    const client = createClickHouseClient(testConfig(dataDir).clickhouse, dataDir);
    const result = await client.query({
      query: 'SELECT version, count() AS n FROM rateline.schema_migrations GROUP BY version ORDER BY version',
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ version: number; n: number | string }>();
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual([[1, 1]]);
    await client.close();
  });
});

describe('analyst aggregates on chDB', () => {
  const lane = { originPorts: ['QQQQA'], destinationPorts: ['QQQQB'] };
  const range = { from: day('2020-03-02'), to: day('2020-03-08') };
  beforeAll(async () => {
    // One lane, one ISO week (Monday 2020-03-02 to Sunday 2020-03-08). Quartiles of the five prices
    // 100, 200, 300, 400, 700 (cents): Q1 = 200, Q3 = 400, IQR = 200, fences [-100, 700]; 700 sits on
    // the upper fence and stays. A second lane's 5,000 is judged by its own fences only.
    await store.appendPrices([
      price(101, 'QQQQA', 'QQQQB', '2020-03-02', 100, 'q1'),
      price(102, 'QQQQA', 'QQQQB', '2020-03-03', 200, 'q1'),
      price(103, 'QQQQA', 'QQQQB', '2020-03-04', 300, 'q1'),
      price(104, 'QQQQA', 'QQQQB', '2020-03-08', 400, 'q1'),
      price(105, 'QQQQA', 'QQQQB', '2020-03-08', 700, 'q1'),
      price(106, 'QQQQA', 'QQQQB', '2020-03-09', 1, 'q1'), // the next week: outside the range
    ]);
  });

  it('keeps a price exactly on a Tukey fence', async () => {
    const [week] = await store.periodPriceStatistics(lane, range, 'WEEK', { excludeOutliers: true });
    expect(week).toEqual({
      periodStart: day('2020-03-02'),
      priceCount: 5,
      totalUsdCents: 1700,
      minUsdCents: 100,
      maxUsdCents: 700,
      p25UsdCents: 200,
      medianUsdCents: 300,
      p75UsdCents: 400,
      outliersExcluded: 0,
    });
  });

  it('drops a price just beyond the fence, and reports nulls for a period left with no price', async () => {
    await store.appendPrices([price(107, 'QQQQA', 'QQQQB', '2020-03-05', 10_000, 'q2')]);
    try {
      // Six prices 100, 200, 300, 400, 700, 10000: Q1 = 225, Q3 = 625, fences [-375, 1225].
      const days = await store.periodPriceStatistics(lane, range, 'DAY', { excludeOutliers: true });
      const thursday = days.find((d) => d.periodStart === day('2020-03-05'));
      expect(thursday).toEqual({
        periodStart: day('2020-03-05'),
        priceCount: 0,
        totalUsdCents: 0,
        minUsdCents: null,
        maxUsdCents: null,
        p25UsdCents: null,
        medianUsdCents: null,
        p75UsdCents: null,
        outliersExcluded: 1,
      });
      const totals = await store.dailyPriceTotalsWithoutOutliers(lane, range);
      expect(totals.outliersExcluded).toBe(1);
      expect(totals.days.map((d) => d.priceCount)).toEqual([1, 1, 1, 0, 2]);
      const [stats] = await store.laneStatistics(lane, range, { orderBy: 'VOLUME', limit: 5, excludeOutliers: true });
      expect(stats).toMatchObject({ priceCount: 5, maxUsdCents: 700, outliersExcluded: 1 });
    } finally {
      await store.removeBatch('q2');
    }
  });

  it('interpolates quartiles linearly between ranks', async () => {
    await store.appendPrices([
      price(201, 'QQQQC', 'QQQQD', '2020-03-02', 100, 'b3'),
      price(202, 'QQQQC', 'QQQQD', '2020-03-02', 200, 'b3'),
      price(203, 'QQQQC', 'QQQQD', '2020-03-02', 300, 'b3'),
      price(204, 'QQQQC', 'QQQQD', '2020-03-02', 401, 'b3'),
    ]);
    const [monday] = await store.periodPriceStatistics(
      { originPorts: ['QQQQC'], destinationPorts: ['QQQQD'] },
      range,
      'DAY',
      { excludeOutliers: false },
    );
    // Positions (n − 1) × q = 0.75, 1.5, 2.25: 100 + 0.75 × 100, 200 + 0.5 × 100, 300 + 0.25 × 101.
    expect([monday!.p25UsdCents, monday!.medianUsdCents, monday!.p75UsdCents]).toEqual([175, 250, 325.25]);
  });

  it('ranks lanes by volume, average price or volatility, descending, and limits them', async () => {
    const lanes = { originPorts: ['QQQQC', 'QQQQE'], destinationPorts: ['QQQQD'] };
    await store.appendPrices([
      price(301, 'QQQQE', 'QQQQD', '2020-03-03', 1000, 'b4'),
      price(302, 'QQQQE', 'QQQQD', '2020-03-03', 1000, 'b4'),
    ]);
    const rank = async (orderBy: 'VOLUME' | 'AVERAGE_PRICE' | 'VOLATILITY', limit = 5) =>
      (await store.laneStatistics(lanes, range, { orderBy, limit, excludeOutliers: false })).map((l) => l.originCode);
    expect(await rank('VOLUME')).toEqual(['QQQQC', 'QQQQE']);
    expect(await rank('AVERAGE_PRICE')).toEqual(['QQQQE', 'QQQQC']);
    expect(await rank('VOLATILITY')).toEqual(['QQQQC', 'QQQQE']);
    expect(await rank('AVERAGE_PRICE', 1)).toEqual(['QQQQE']);
    const [e] = await store.laneStatistics(lanes, range, {
      orderBy: 'AVERAGE_PRICE',
      limit: 1,
      excludeOutliers: false,
    });
    expect(e).toEqual({
      originCode: 'QQQQE',
      destinationCode: 'QQQQD',
      priceCount: 2,
      totalUsdCents: 2000,
      minUsdCents: 1000,
      maxUsdCents: 1000,
      stddevUsdCents: 0,
      outliersExcluded: 0,
    });
  });
});
