import { ExchangeRateService, OfflineRateProvider } from '../../../src/currencies';
import { parseDay } from '../../../src/domain/day';
import { REFERENCE_BATCH_KEY, readReferenceDataset, seedReferenceData } from '../../../src/reference-data';
import type { AnalyticsStore } from '../../../src/stores/analytics';
import type { OperationalStore } from '../../../src/stores/operational';
import { openChdbStore, openSqliteStore, removeDataDir, silentLog, temporaryDataDir } from '../../helpers/components';
import { ignoredIngestEvents, recordingIngestEvents } from '../../helpers/ingest-events';
import { rawPrices } from '../../helpers/reference-answers';
import { newReplicator, REPLICATOR_OPTIONS } from '../../helpers/replication';

const dataset = readReferenceDataset();
let dataDir: string;
let operational: OperationalStore;
let analytics: AnalyticsStore;
let exchangeRates: ExchangeRateService;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  operational = openSqliteStore(dataDir);
  analytics = await openChdbStore(dataDir);
  exchangeRates = new ExchangeRateService(new OfflineRateProvider(operational.exchangeRates));
});
afterAll(async () => {
  await operational.close();
  await analytics.close();
  removeDataDir(dataDir);
});

const everyLane = {
  originPorts: dataset.ports.map((p) => p.code),
  destinationPorts: dataset.ports.map((p) => p.code),
};
const january = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! };

describe('seedReferenceData', () => {
  it('records the reference prices as one batch once; running it again writes nothing', async () => {
    // Only the ports the seed uses.
    const ports = { referenceData: operational.referenceData, batches: operational.batches };
    const events = recordingIngestEvents();
    const first = await seedReferenceData(ports, dataset, { exchangeRates, events, log: silentLog });
    expect(first).toMatchObject({ regions: 20, ports: 143, pricesLoaded: 53_056, pricesPresent: 53_056 });
    expect(events.recorded).toEqual([
      { event: 'batchOutcome', outcome: 'accepted' },
      { event: 'pricesAccepted', count: 53_056 },
    ]);
    const second = await seedReferenceData(ports, dataset, { exchangeRates, events, log: silentLog });
    expect(second).toEqual({ ...first, pricesLoaded: 0 });
    expect(events.recorded).toHaveLength(2);
    const batch = await operational.batches.byIdempotencyKey(null, REFERENCE_BATCH_KEY);
    expect(batch).toMatchObject({ id: first.batchId, status: 'ACCEPTED', itemCount: 53_056, acceptedCount: 53_056 });
    expect((await operational.batches.page(10, undefined)).batches).toHaveLength(1);
  });

  it('reaches analytics through the replicator, every raw price counted once', async () => {
    // Seeded here as well (after the test above it writes nothing), so this test does not need that one.
    await seedReferenceData(operational, dataset, { exchangeRates, events: ignoredIngestEvents, log: silentLog });
    const replicator = newReplicator(operational, analytics.replica, REPLICATOR_OPTIONS);
    replicator.start();
    await replicator.caughtUp(60_000);
    await replicator.stop();
    const totals = (await analytics.totals.dailyPriceTotals(everyLane, january)).reduce(
      (sum, t) => ({ count: sum.count + t.priceCount, cents: sum.cents + t.totalUsdCents }),
      { count: 0, cents: 0 },
    );
    const rawCents = rawPrices.reduce((sum, p) => sum + Math.round(p.price * 100), 0);
    expect(totals).toEqual({ count: rawPrices.length, cents: rawCents });
  });
});
