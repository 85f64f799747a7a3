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
