import { ExchangeRateService, OpenExchangeRatesProvider, type OpenExchangeRatesOptions } from '../../../src/currencies';
import { parseDay, type EpochDay } from '../../../src/domain/day';
import { IngestService } from '../../../src/ingest';
import { readReferenceDataset } from '../../../src/reference-data';
import { openSqliteOperationalStore, type OperationalStore } from '../../../src/stores/operational';
import { removeDataDir, temporaryDataDir } from '../../helpers/components';
import { ignoredIngestEvents } from '../../helpers/ingest-events';
import { OXR_ERRORS, startFakeOxrServer, type FakeOxrServer } from '../../helpers/open-exchange-rates-server';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';

let oxr: FakeOxrServer;
let dataDir: string;
let store: OperationalStore;

beforeEach(async () => {
  oxr = await startFakeOxrServer();
  dataDir = temporaryDataDir();
  store = openSqliteOperationalStore({ dataDir });
});
afterEach(async () => {
  await store.close();
  await oxr.stop();
  removeDataDir(dataDir);
});

const d = (text: string) => parseDay(text) as EpochDay;
const options = (changes: Partial<OpenExchangeRatesOptions> = {}): OpenExchangeRatesOptions => ({
  appId: 'test-app-id',
  baseUrl: oxr.baseUrl,
  timeoutMs: 300,
  retries: 2,
  retryBaseMs: 5,
  ...changes,
  ...(changes.baseUrl === undefined && { baseUrl: oxr.baseUrl }),
});
const provider = (changes: Partial<OpenExchangeRatesOptions> = {}, on = store) =>
  new OpenExchangeRatesProvider(on.exchangeRates, options(changes));

// Quotes (units per US dollar) whose inverses can be checked by hand.
const JAN_4 = { EUR: 0.8, JPY: 125, GBP: 0.625, KWD: 0.3 };
const JAN_5 = { EUR: 0.9, JPY: 120 };

describe('OpenExchangeRatesProvider: answers', () => {
  it('turns units per US dollar into US dollars per unit, per day, sending the app id', async () => {
    oxr.script('2016-01-04', { rates: JAN_4 });
    oxr.script('2016-01-05', { rates: JAN_5 });
    const answer = await provider().usdPerUnit([
      { currency: 'EUR', day: d('2016-01-04') },
      { currency: 'JPY', day: d('2016-01-04') },
      { currency: 'GBP', day: d('2016-01-04') },
      { currency: 'KWD', day: d('2016-01-04') },
      { currency: 'EUR', day: d('2016-01-05') },
      { currency: 'CHF', day: d('2016-01-05') },
    ]);
    // 1 / 0.8 = 1.25; 1 / 125 = 0.008; 1 / 0.625 = 1.6; 1 / 0.3 = 3.333333333 (10 significant digits);
    // 1 / 0.9 = 1.111111111; CHF is not in that day's answer.
    expect(answer).toEqual(['1.25', '0.008', '1.6', '3.333333333', '1.111111111', undefined]);
    expect(oxr.requestsFor('2016-01-04')).toBe(1);
    expect(oxr.requestsFor('2016-01-05')).toBe(1);
    expect(new Set(oxr.appIds)).toEqual(new Set(['test-app-id']));
  });

  it('caches every fetched day in the operational store: asked again, even by another process, it is not fetched', async () => {
    oxr.script('2016-01-04', { rates: JAN_4 });
    expect(await provider().usdPerUnit([{ currency: 'EUR', day: d('2016-01-04') }])).toEqual(['1.25']);
    // Another currency of the same day comes from the cache too: the whole day was stored.
    expect(await provider().usdPerUnit([{ currency: 'JPY', day: d('2016-01-04') }])).toEqual(['0.008']);
    const second = openSqliteOperationalStore({ dataDir });
    try {
      expect(await provider({}, second).usdPerUnit([{ currency: 'GBP', day: d('2016-01-04') }])).toEqual(['1.6']);
    } finally {
      await second.close();
    }
    expect(oxr.requestsFor('2016-01-04')).toBe(1);
  });

  it('answers no rate for a day it has none for (400 not_available), and fetches that day again next time', async () => {
    oxr.script('2016-01-04', { rates: JAN_4 });
    oxr.script('2030-01-01', OXR_ERRORS.notAvailable);
    const pairs = [
      { currency: 'EUR', day: d('2030-01-01') },
      { currency: 'EUR', day: d('2016-01-04') },
    ];
    expect(await provider().usdPerUnit(pairs)).toEqual([undefined, '1.25']);
    expect(await provider().usdPerUnit(pairs)).toEqual([undefined, '1.25']);
    expect(oxr.requestsFor('2030-01-01')).toBe(2);
    expect(oxr.requestsFor('2016-01-04')).toBe(1);
  });
});

describe('OpenExchangeRatesProvider: failures', () => {
  const ask = (changes: Partial<OpenExchangeRatesOptions> = {}) =>
    provider(changes).usdPerUnit([{ currency: 'EUR', day: d('2016-01-04') }]);

  it.each([
    ['invalid app id', OXR_ERRORS.invalidAppId, /HTTP 401 invalid_app_id \(Invalid App ID provided/],
    ['a plan without historical rates', OXR_ERRORS.notAllowed, /HTTP 429 not_allowed/],
    ['access restricted', OXR_ERRORS.accessRestricted, /HTTP 403 access_restricted/],
  ])('refuses at once on %s, without retrying, saying what the provider answered', async (_, step, message) => {
    oxr.script('2016-01-04', step);
    const attempt = ask();
    await expect(attempt).rejects.toMatchObject({
      code: 'EXCHANGE_RATES_UNAVAILABLE',
      message: expect.stringMatching(message),
      details: {
        provider: 'openexchangerates',
        day: '2016-01-04',
        providerStatus: step.error,
        providerMessage: step.message,
      },
    });
    await expect(attempt).rejects.toHaveProperty('message', expect.not.stringContaining('test-app-id'));
    expect(oxr.requestsFor('2016-01-04')).toBe(1);
  });

  it('retries a rate limit (429) with backoff and then succeeds', async () => {
    oxr.script('2016-01-04', OXR_ERRORS.tooManyRequests, OXR_ERRORS.tooManyRequests, { rates: JAN_4 });
    expect(await ask()).toEqual(['1.25']);
    expect(oxr.requestsFor('2016-01-04')).toBe(3);
  });

  it('gives up on a rate limit that outlasts the retries', async () => {
    oxr.script('2016-01-04', OXR_ERRORS.tooManyRequests);
    await expect(ask({ retries: 3 })).rejects.toMatchObject({
      code: 'EXCHANGE_RATES_UNAVAILABLE',
      message: expect.stringMatching(/HTTP 429 too_many_requests.*after 4 attempts/),
    });
    expect(oxr.requestsFor('2016-01-04')).toBe(4);
  });

  it('retries server errors and answers that are not JSON', async () => {
    oxr.script('2016-01-04', { status: 502, text: '<html>Bad gateway</html>' }, { rates: JAN_4 });
    expect(await ask()).toEqual(['1.25']);
    oxr.script('2016-01-05', { status: 503, text: 'down' });
    await expect(provider().usdPerUnit([{ currency: 'EUR', day: d('2016-01-05') }])).rejects.toMatchObject({
      message: expect.stringMatching(/HTTP 503 for 2016-01-05 \(after 3 attempts\)/),
    });
  });

  it('times out a stalled answer, retries, and says so', async () => {
    oxr.script('2016-01-04', { stallMs: 2_000 });
    const started = Date.now();
    await expect(ask({ timeoutMs: 100, retries: 1 })).rejects.toMatchObject({
      code: 'EXCHANGE_RATES_UNAVAILABLE',
      message: expect.stringMatching(/did not answer within 100 ms .*after 2 attempts/),
      details: { reason: 'timeout' },
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(oxr.requestsFor('2016-01-04')).toBe(2);
  });

  it('reports a connection that drops and a server that cannot be reached', async () => {
    oxr.script('2016-01-04', { hangUp: true });
    await expect(ask()).rejects.toMatchObject({ details: { reason: 'network' } });
    expect(oxr.requestsFor('2016-01-04')).toBe(3);
    const closed = await startFakeOxrServer();
    await closed.stop();
    await expect(ask({ baseUrl: closed.baseUrl })).rejects.toMatchObject({
      code: 'EXCHANGE_RATES_UNAVAILABLE',
      message: expect.stringMatching(/could not be reached at http:\/\/127\.0\.0\.1:\d+\/api \(ECONNREFUSED\)/),
    });
  });
});

describe('ingest with Open Exchange Rates', () => {
  let ingest: IngestService;
  const item = (day: string, price: number, currency: string) => ({
    originCode: 'CNSGH',
    destinationCode: 'NLRTM',
    day,
    price,
    currency,
  });

  beforeEach(async () => {
    await store.referenceData.upsert(readReferenceDataset());
    ingest = new IngestService(
      store,
      { maxBatchItems: 100, maxChunkedBatchItems: 100, openBatchTtlMs: 60_000, maxRatesRangeDays: 3660 },
      new ExchangeRateService(provider()),
      ignoredIngestEvents,
    );
  });

  it('stores a EUR batch at each day’s rate from the provider', async () => {
    oxr.script('2016-01-04', { rates: JAN_4 });
    oxr.script('2016-01-05', { rates: JAN_5 });
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04', 1000, 'EUR'), item('2016-01-05', 1000, 'EUR'), item('2016-01-04', 500, 'JPY')],
      idempotencyKey: 'oxr-1',
      skipInvalid: false,
    });
    const prices = (await store.batches.pricesOf(batch.id, null, 1_000_000)) ?? [];
    // 1,000 EUR × 1.25 = 1,250 USD; 1,000 EUR × 1.111111111 = 1,111.111111 USD → 111,111 cents;
    // 500 JPY × 0.008 = 4 USD.
    expect(prices.map((p) => [p.usdCents, p.usdPerUnit])).toEqual([
      [125_000, '1.25'],
      [111_111, '1.111111111'],
      [400, '0.008'],
    ]);
  });

  it('refuses the whole batch when the provider refuses, writing nothing; USD batches need no provider', async () => {
    oxr.script('2016-01-04', OXR_ERRORS.invalidAppId);
    const before = await store.changeFeed.backlog(null);
    await expect(
      ingest.submitPriceBatch(TEST_SUPPLIER, {
        items: [item('2016-01-04', 1000, 'USD'), item('2016-01-04', 1000, 'EUR')],
        idempotencyKey: 'oxr-refused',
        skipInvalid: true,
      }),
    ).rejects.toMatchObject({ code: 'EXCHANGE_RATES_UNAVAILABLE', message: expect.stringContaining('invalid_app_id') });
    expect(await store.batches.byIdempotencyKey(TEST_SUPPLIER.name, 'oxr-refused')).toBeUndefined();
    expect(await store.changeFeed.backlog(null)).toEqual(before);

    const usd = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04', 1000, 'USD')],
      idempotencyKey: 'oxr-usd',
      skipInvalid: false,
    });
    expect(usd.status).toBe('ACCEPTED');
    expect(oxr.totalRequests).toBe(1);
  });

  it('reports a day the provider has no rates for as RATE_UNAVAILABLE on that item', async () => {
    oxr.script('2016-01-04', { rates: JAN_4 });
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04', 1000, 'EUR'), item('2030-01-01', 1000, 'EUR')],
      idempotencyKey: 'oxr-missing-day',
      skipInvalid: true,
    });
    expect(batch).toMatchObject({ acceptedCount: 1, rejectedCount: 1 });
    expect(batch.errors).toEqual([expect.objectContaining({ index: 1, field: 'day', code: 'RATE_UNAVAILABLE' })]);
  });
});
