/**
 * The behaviour every AnalyticsStore owes its callers, as one suite that each engine's test file runs
 * against a real store (chDB in-process; a ClickHouse server when CLICKHOUSE_URL is set). The store
 * is opened once for the whole suite (see {@link describeAnalyticsStoreContract}): its tests build on
 * each other's prices, each on lanes of its own.
 */
import type { PriceRecord } from '../../../../src/domain/batch';
import { parseDay, type EpochDay } from '../../../../src/domain/day';
import type { AnalyticsStore } from '../../../../src/stores/analytics';

export interface OpenedAnalyticsStore {
  /** A store that held nothing when the suite started. */
  readonly store: AnalyticsStore;
  /** Opens the same replica once more (another process's view of it); the caller closes it. */
  reopen(): Promise<AnalyticsStore>;
}

const day = (text: string): EpochDay => parseDay(text)!;

type TestPrice = PriceRecord & { readonly batchId: string };

/**
 * Registers the contract's tests. `opened` answers the store once the caller's beforeAll opened it
 * (the caller opens it before, and disposes of it after, every test registered here).
 */
export function describeAnalyticsStoreContract(adapter: string, opened: () => OpenedAnalyticsStore): void {
  let store: AnalyticsStore;
  beforeAll(() => {
    store = opened().store;
  });

  /** Applies prices the way the replicator does: grouped by batch. */
  async function apply(prices: readonly TestPrice[], retractedBatchIds: readonly string[] = []): Promise<void> {
    const batchIds = [...new Set(prices.map((p) => p.batchId))];
    await store.replica.applyChanges({
      batches: batchIds.map((batchId) => ({ batchId, prices: prices.filter((p) => p.batchId === batchId) })),
      retractedBatchIds,
    });
  }

  let nextIndex = 0;
  const price = (
    originCode: string,
    destinationCode: string,
    dayText: string,
    usdCents: number,
    batchId = 'b1',
  ): TestPrice => ({
    batchId,
    itemIndex: nextIndex++,
    originCode,
    destinationCode,
    day: day(dayText),
    usdCents,
    currency: 'USD',
    amountMinor: usdCents,
    usdPerUnit: '1',
    containerType: null,
    contractTerm: null,
  });

  const lane = { originPorts: ['AAAAA', 'DDDDD'], destinationPorts: ['BBBBB'] };
  const firstWeek = { from: day('2016-01-01'), to: day('2016-01-07') };

  describe(`${adapter}: price totals and replica state`, () => {
    beforeAll(async () => {
      await apply([
        price('AAAAA', 'BBBBB', '2016-01-01', 100_01),
        price('AAAAA', 'BBBBB', '2016-01-01', 200_02),
        price('AAAAA', 'CCCCC', '2016-01-01', 999_99),
        price('DDDDD', 'BBBBB', '2016-01-02', 50_00),
        price('AAAAA', 'BBBBB', '2016-01-05', 7_00, 'b2'),
        price('AAAAA', 'BBBBB', '2015-12-31', 1_00, 'b2'),
      ]);
    });

    it('sums and counts per day, only the lanes and days asked for, ascending', async () => {
      expect(await store.totals.dailyPriceTotals(lane, firstWeek)).toEqual([
        { day: day('2016-01-01'), priceCount: 2, totalUsdCents: 300_03 },
        { day: day('2016-01-02'), priceCount: 1, totalUsdCents: 50_00 },
        { day: day('2016-01-05'), priceCount: 1, totalUsdCents: 7_00 },
      ]);
    });

    it('answers nothing for an empty set of ports', async () => {
      expect(await store.totals.dailyPriceTotals({ originPorts: [], destinationPorts: ['BBBBB'] }, firstWeek)).toEqual(
        [],
      );
      expect(await store.totals.dailyPriceTotals({ originPorts: ['AAAAA'], destinationPorts: [] }, firstWeek)).toEqual(
        [],
      );
    });

    it('tells how far each batch present got: its highest item index', async () => {
      // b1 holds items 0-3, b2 items 4-5 (see beforeAll); b3 was never applied.
      expect(await store.replica.replicatedThrough(['b1', 'b2', 'b3'])).toEqual(
        new Map([
          ['b1', 3],
          ['b2', 5],
        ]),
      );
      expect(await store.replica.replicatedThrough([])).toEqual(new Map());
    });

    it('stops counting a retracted batch; retracting it again changes nothing', async () => {
      await apply([price('AAAAA', 'BBBBB', '2016-01-06', 3_00, 'b3')]);
      await apply([], ['b3']);
      await apply([], ['b3']);
      const totals = await store.totals.dailyPriceTotals(lane, firstWeek);
      expect(totals.map((t) => t.day)).not.toContain(day('2016-01-06'));
      expect(totals).toHaveLength(3);
    });

    it('answers the newest recorded state of each batch, whatever order the records were written in', async () => {
      expect(await store.replica.latestBatchStateVersion()).toBe(0);
      await store.replica.recordBatchStates(
        [
          { batchId: 's1', state: 'copying' },
          { batchId: 's2', state: 'retracting' },
        ],
        1,
      );
      await store.replica.recordBatchStates([{ batchId: 's1', state: 'retracted' }], 3);
      await store.replica.recordBatchStates([{ batchId: 's1', state: 'counted' }], 2);
      await store.replica.recordBatchStates([], 4);
      expect(await store.replica.batchStates(['s1', 's2', 's3'])).toEqual(
        new Map([
          ['s1', 'retracted'],
          ['s2', 'retracting'],
        ]),
      );
      expect(await store.replica.batchStates([])).toEqual(new Map());
      expect(await store.replica.latestBatchStateVersion()).toBe(3);
    });

    it('keeps the newest checkpoint', async () => {
      expect(await store.replica.replicationCheckpoint()).toBeUndefined();
      const appliedAt = new Date('2026-01-02T03:04:05.678Z');
      await store.replica.saveCheckpoint({ position: '7', appliedAt, version: 1 });
      await store.replica.saveCheckpoint({ position: '12', appliedAt, version: 2 });
      expect(await store.replica.replicationCheckpoint()).toEqual({ position: '12', appliedAt, version: 2 });
    });

    it('answers the readiness ping', async () => {
      await expect(store.checkAvailable()).resolves.toBeUndefined();
    });

    it('has one stable replica id', async () => {
      const id = await store.replica.replicaId();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const again = await opened().reopen();
      expect(await again.replica.replicaId()).toBe(id);
      await again.close();
    });
  });

  describe(`${adapter}: analyst aggregates`, () => {
    const lane = { originPorts: ['QQQQA'], destinationPorts: ['QQQQB'] };
    const range = { from: day('2020-03-02'), to: day('2020-03-08') };
    beforeAll(async () => {
      // One lane, one ISO week (Monday 2020-03-02 to Sunday 2020-03-08). Quartiles of the five prices
      // 100, 200, 300, 400, 700 (cents): Q1 = 200, Q3 = 400, IQR = 200, fences [-100, 700]; 700 sits on
      // the upper fence and stays. A second lane's 5,000 is judged by its own fences only.
      await apply([
        price('QQQQA', 'QQQQB', '2020-03-02', 100, 'q1'),
        price('QQQQA', 'QQQQB', '2020-03-03', 200, 'q1'),
        price('QQQQA', 'QQQQB', '2020-03-04', 300, 'q1'),
        price('QQQQA', 'QQQQB', '2020-03-08', 400, 'q1'),
        price('QQQQA', 'QQQQB', '2020-03-08', 700, 'q1'),
        price('QQQQA', 'QQQQB', '2020-03-09', 1, 'q1'), // the next week: outside the range
      ]);
    });

    it('keeps a price exactly on a Tukey fence', async () => {
      const [week] = await store.statistics.periodPriceStatistics(lane, range, 'WEEK', { excludeOutliers: true });
      expect(week).toEqual({
        periodStart: day('2020-03-02'),
        priceCount: 5,
        totalUsdCents: 1700,
        minUsdCents: 100,
        maxUsdCents: 700,
        // Type 7 at 0.025 and 0.975 of 100, 200, 300, 400, 700: ranks 0.1 and 3.9.
        lowUsdCents: expect.closeTo(110, 9),
        p25UsdCents: 200,
        medianUsdCents: 300,
        p75UsdCents: 400,
        highUsdCents: expect.closeTo(670, 9),
        outliersExcluded: 0,
      });
    });

    it('drops a price just beyond the fence, and reports nulls for a period left with no price', async () => {
      await apply([price('QQQQA', 'QQQQB', '2020-03-05', 10_000, 'q2')]);
      try {
        // Six prices 100, 200, 300, 400, 700, 10000: Q1 = 225, Q3 = 625, fences [-375, 1225].
        const days = await store.statistics.periodPriceStatistics(lane, range, 'DAY', { excludeOutliers: true });
        const thursday = days.find((d) => d.periodStart === day('2020-03-05'));
        expect(thursday).toEqual({
          periodStart: day('2020-03-05'),
          priceCount: 0,
          totalUsdCents: 0,
          minUsdCents: null,
          maxUsdCents: null,
          lowUsdCents: null,
          p25UsdCents: null,
          medianUsdCents: null,
          p75UsdCents: null,
          highUsdCents: null,
          outliersExcluded: 1,
        });
        const totals = await store.totals.dailyPriceTotalsWithoutOutliers(lane, range);
        expect(totals.outliersExcluded).toBe(1);
        expect(totals.days.map((d) => d.priceCount)).toEqual([1, 1, 1, 0, 2]);
        const [stats] = await store.statistics.laneStatistics(lane, range, {
          orderBy: 'VOLUME',
          limit: 5,
          excludeOutliers: true,
        });
        expect(stats).toMatchObject({ priceCount: 5, maxUsdCents: 700, outliersExcluded: 1 });
      } finally {
        // Retracted, its price stops counting in every aggregate (and no longer disturbs the next tests).
        await apply([], ['q2']);
      }
    });

    it('counts a retracted batch in no aggregate', async () => {
      const totals = await store.totals.dailyPriceTotalsWithoutOutliers(lane, range);
      expect(totals.outliersExcluded).toBe(0);
      const [stats] = await store.statistics.laneStatistics(lane, range, {
        orderBy: 'VOLUME',
        limit: 5,
        excludeOutliers: false,
      });
      expect(stats).toMatchObject({ priceCount: 5, maxUsdCents: 700 });
      const [week] = await store.statistics.periodPriceStatistics(lane, range, 'WEEK', { excludeOutliers: false });
      expect(week).toMatchObject({ priceCount: 5, maxUsdCents: 700 });
    });

    it('interpolates quartiles linearly between ranks', async () => {
      await apply([
        price('QQQQC', 'QQQQD', '2020-03-02', 100, 'q3'),
        price('QQQQC', 'QQQQD', '2020-03-02', 200, 'q3'),
        price('QQQQC', 'QQQQD', '2020-03-02', 300, 'q3'),
        price('QQQQC', 'QQQQD', '2020-03-02', 401, 'q3'),
      ]);
      const [monday] = await store.statistics.periodPriceStatistics(
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
      await apply([
        price('QQQQE', 'QQQQD', '2020-03-03', 1000, 'q4'),
        price('QQQQE', 'QQQQD', '2020-03-03', 1000, 'q4'),
      ]);
      const rank = async (orderBy: 'VOLUME' | 'AVERAGE_PRICE' | 'VOLATILITY', limit = 5) =>
        (await store.statistics.laneStatistics(lanes, range, { orderBy, limit, excludeOutliers: false })).map(
          (l) => l.originCode,
        );
      expect(await rank('VOLUME')).toEqual(['QQQQC', 'QQQQE']);
      expect(await rank('AVERAGE_PRICE')).toEqual(['QQQQE', 'QQQQC']);
      expect(await rank('VOLATILITY')).toEqual(['QQQQC', 'QQQQE']);
      expect(await rank('AVERAGE_PRICE', 1)).toEqual(['QQQQE']);
      const [e] = await store.statistics.laneStatistics(lanes, range, {
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
}
