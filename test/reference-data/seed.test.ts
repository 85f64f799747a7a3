import { parseDay } from '../../src/domain/day';
import { REFERENCE_BATCH_ID, readReferenceDataset, seedReferenceData } from '../../src/reference-data';
import type { ClickHouseAnalyticsStore } from '../../src/stores/analytics';
import type { SqliteOperationalStore } from '../../src/stores/operational';
import { openChdbStore, openSqliteStore, removeDataDir, silentLog, temporaryDataDir } from '../helpers/components';
import { rawPrices } from '../helpers/reference-answers';

const dataset = readReferenceDataset();
let dataDir: string;
let stores: { operational: SqliteOperationalStore; analytics: ClickHouseAnalyticsStore };

beforeAll(async () => {
  dataDir = temporaryDataDir();
  stores = { operational: openSqliteStore(dataDir), analytics: await openChdbStore(dataDir) };
});
afterAll(async () => {
  await stores.operational.close();
  await stores.analytics.close();
  removeDataDir(dataDir);
});

const everyLaneDay = {
  originPorts: dataset.ports.map((p) => p.code),
  destinationPorts: dataset.ports.map((p) => p.code),
};
const january = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! };
const sumOfAll = (totals: { priceCount: number; totalUsdCents: number }[]) =>
  totals.reduce((s, t) => ({ count: s.count + t.priceCount, cents: s.cents + t.totalUsdCents }), {
    count: 0,
    cents: 0,
  });

describe('seedReferenceData', () => {
  it('loads the dataset once; running it again doubles nothing', async () => {
    const first = await seedReferenceData(stores, dataset, silentLog);
    expect(first).toEqual({ regions: 20, ports: 143, pricesLoaded: 53_056, pricesPresent: 53_056 });
    const second = await seedReferenceData(stores, dataset, silentLog);
    expect(second).toEqual({ regions: 20, ports: 143, pricesLoaded: 0, pricesPresent: 53_056 });
    const totals = sumOfAll(await stores.analytics.dailyPriceTotals(everyLaneDay, january));
    expect(totals).toEqual({ count: rawPrices.length, cents: rawPrices.reduce((s, p) => s + p.price * 100, 0) });
  });

  it('reloads a partly present reference batch instead of adding to it', async () => {
    await stores.analytics.removeBatch(REFERENCE_BATCH_ID);
    await stores.analytics.appendPrices([
      {
        priceId: 1,
        batchId: REFERENCE_BATCH_ID,
        originCode: 'CNSGH',
        destinationCode: 'GBFXT',
        day: '2016-01-04',
        usdCents: 100_500_00,
      },
    ]);
    const report = await seedReferenceData(stores, dataset, silentLog);
    expect(report).toMatchObject({ pricesLoaded: 53_056, pricesPresent: 53_056 });
    expect(await stores.analytics.batchPriceCount(REFERENCE_BATCH_ID)).toBe(53_056);
  });
});
