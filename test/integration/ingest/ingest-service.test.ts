import { ExchangeRateService, OfflineRateProvider } from '../../../src/currencies';
import { RatelineError } from '../../../src/domain/errors';
import { IngestService, type SheetRow } from '../../../src/ingest';
import { readReferenceDataset } from '../../../src/reference-data';
import type { OperationalStore } from '../../../src/stores/operational';
import { openSqliteStore, removeDataDir, temporaryDataDir } from '../../helpers/components';
import { dailyRates } from '../../helpers/exchange-rates';
import { ignoredIngestEvents } from '../../helpers/ingest-events';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';

let dataDir: string;
let store: OperationalStore;
let ingest: IngestService;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  store = openSqliteStore(dataDir);
  await store.referenceData.upsert(readReferenceDataset());
  await store.exchangeRates.save(
    'offline',
    dailyRates([
      ['2016-01-04', 'EUR', '1.0898'],
      ['2016-01-05', 'EUR', '1.0746'],
    ]),
    'test rates',
  );
  ingest = new IngestService(
    store,
    { maxBatchItems: 5, maxChunkedBatchItems: 12, openBatchTtlMs: 60_000, maxRatesRangeDays: 4 },
    new ExchangeRateService(new OfflineRateProvider(store.exchangeRates)),
    ignoredIngestEvents,
  );
});
afterAll(async () => {
  await store.close();
  removeDataDir(dataDir);
});

const item = (day: string, price = 1000, currency = 'USD') => ({
  originCode: 'CNSGH',
  destinationCode: 'NLRTM',
  day,
  price,
  currency,
});
let keys = 0;
const freshKey = () => `key-${++keys}`;
const changesInFeed = async () => (await store.changeFeed.backlog(null)).changes;

describe('IngestService.submitPriceBatch', () => {
  it('records a valid batch with its prices, and one change for the replicator', async () => {
    const before = await changesInFeed();
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-01', 1000.5), item('2016-01-02')],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    expect(batch).toMatchObject({ status: 'ACCEPTED', itemCount: 2, acceptedCount: 2, rejectedCount: 0, errors: [] });
    const prices = await store.batches.pricesOf(batch.id, null, 1_000_000);
    expect(prices?.map((p) => [p.itemIndex, p.usdCents])).toEqual([
      [0, 100_050],
      [1, 100_000],
    ]);
    expect(await changesInFeed()).toBe(before + 1);
  });

  it('answers a retry with the same key and content with the first batch, writing nothing', async () => {
    const request = { items: [item('2016-01-03')], idempotencyKey: freshKey(), skipInvalid: false };
    const first = await ingest.submitPriceBatch(TEST_SUPPLIER, request);
    const before = await changesInFeed();
    const again = await ingest.submitPriceBatch(TEST_SUPPLIER, { ...request, items: [item('2016-01-03')] });
    expect(again).toEqual(first);
    expect(await changesInFeed()).toBe(before);
  });

  it('refuses a key reused for different content, naming the earlier batch', async () => {
    const key = freshKey();
    const first = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04')],
      idempotencyKey: key,
      skipInvalid: false,
    });
    const reuse = ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-05')],
      idempotencyKey: key,
      skipInvalid: false,
    });
    await expect(reuse).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      details: { batchId: first.id },
    });
  });

  it('refuses a batch with an invalid item as a whole, lists every invalid item, and writes nothing', async () => {
    const before = await changesInFeed();
    const key = freshKey();
    const attempt = ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-01'), item('2016-13-01'), item('2016-01-02', 5, 'XYZ')],
      idempotencyKey: key,
      skipInvalid: false,
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'items',
      message: expect.stringContaining('2 of 3 items are invalid'),
      details: {
        itemErrors: [
          expect.objectContaining({ index: 1, field: 'day', value: '2016-13-01' }),
          expect.objectContaining({ index: 2, field: 'currency', code: 'UNSUPPORTED_CURRENCY', value: 'XYZ' }),
        ],
      },
    });
    expect(await changesInFeed()).toBe(before);
    // Nothing was recorded, so the key is still free for the corrected batch.
    expect(await store.batches.byIdempotencyKey(TEST_SUPPLIER.name, key)).toBeUndefined();
  });

  it('with skipInvalid writes the valid items and lists the rest; with none valid the batch is REJECTED', async () => {
    const partial = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-01'), item('2016-01-02', -3), item('2016-01-03')],
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(partial).toMatchObject({ status: 'ACCEPTED', itemCount: 3, acceptedCount: 2, rejectedCount: 1 });
    expect(partial.errors).toEqual([expect.objectContaining({ index: 1, field: 'price' })]);
    expect((await store.batches.pricesOf(partial.id, null, 1_000_000))?.map((p) => p.itemIndex)).toEqual([0, 2]);

    const none = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-02', -3)],
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(none).toMatchObject({ status: 'REJECTED', acceptedCount: 0, rejectedCount: 1 });
  });

  it('refuses empty and oversized batches and bad keys before looking at items', async () => {
    const submit = (items: ReturnType<typeof item>[], idempotencyKey = freshKey()) =>
      ingest.submitPriceBatch(TEST_SUPPLIER, { items, idempotencyKey, skipInvalid: false });
    await expect(submit([])).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
    await expect(submit(Array.from({ length: 6 }, () => item('2016-01-01')))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      field: 'items',
      value: 6,
    });
    await expect(submit([item('2016-01-01')], '')).rejects.toMatchObject({ field: 'idempotencyKey' });
    await expect(submit([item('2016-01-01')], 'k'.repeat(201))).rejects.toMatchObject({ field: 'idempotencyKey' });
    await expect(submit([item('2016-01-01')], 'tab\there')).rejects.toMatchObject({ field: 'idempotencyKey' });
  });
});

describe('IngestService.uploadPrice', () => {
  const upload = { originCode: 'CNSGH', destinationCode: 'NLRTM', price: 99.99, currency: 'USD' };

  it('records one price per day of the range as one batch', async () => {
    const batch = await ingest.uploadPrice(TEST_SUPPLIER, {
      ...upload,
      dateFrom: '2016-02-27',
      dateTo: '2016-03-01',
      idempotencyKey: freshKey(),
    });
    expect(batch).toMatchObject({ status: 'ACCEPTED', itemCount: 4, acceptedCount: 4 });
    const prices = (await store.batches.pricesOf(batch.id, null, 1_000_000)) ?? [];
    expect(prices.map((p) => p.usdCents)).toEqual([9999, 9999, 9999, 9999]);
  });

  it('with an idempotency key, a retried upload returns the first batch', async () => {
    const request = { ...upload, dateFrom: '2016-02-01', dateTo: '2016-02-01', idempotencyKey: freshKey() };
    expect(await ingest.uploadPrice(TEST_SUPPLIER, request)).toEqual(await ingest.uploadPrice(TEST_SUPPLIER, request));
  });

  it('caps the range like a rates query (MAX_RATES_RANGE_DAYS) and writes nothing past it', async () => {
    const before = await changesInFeed();
    const attempt = ingest.uploadPrice(TEST_SUPPLIER, {
      ...upload,
      dateFrom: '2016-01-01',
      dateTo: '2016-01-05',
      idempotencyKey: freshKey(),
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'dateTo',
      message: 'dateFrom to dateTo covers 5 days; at most 4 are allowed (MAX_RATES_RANGE_DAYS)',
    });
    expect(await changesInFeed()).toEqual(before);
  });

  it.each([
    [{ dateFrom: '2016-02-31', dateTo: '2016-03-01' }, 'BAD_USER_INPUT', 'dateFrom'],
    [{ dateFrom: '2016-03-02', dateTo: '2016-03-01' }, 'BAD_USER_INPUT', 'dateTo'],
    [{ dateFrom: '2016-01-01', dateTo: '2016-01-31' }, 'BAD_USER_INPUT', 'dateTo'],
    [{ originCode: 'NOPE1' }, 'UNKNOWN_LOCATION', 'originCode'],
    [{ price: 0.001 }, 'BAD_USER_INPUT', 'price'],
    [{ currency: 'XYZ' }, 'UNSUPPORTED_CURRENCY', 'currency'],
    [{ currency: 'EUR' }, 'RATE_UNAVAILABLE', 'dateFrom'],
  ])('answers %j with %s on %s', async (change, code, field) => {
    const attempt = ingest.uploadPrice(TEST_SUPPLIER, {
      ...upload,
      dateFrom: '2016-01-01',
      dateTo: '2016-01-02',
      idempotencyKey: freshKey(),
      ...change,
    });
    await expect(attempt).rejects.toMatchObject({ code, field });
  });
});

describe('IngestService: prices in other currencies', () => {
  it('stores a EUR batch in US cents at each day’s rate, with the original amount, currency and rate', async () => {
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04', 1000, 'EUR'), item('2016-01-05', 1000, 'EUR'), item('2016-01-05', 250.5)],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    const prices = (await store.batches.pricesOf(batch.id, null, 1_000_000)) ?? [];
    // 1,000 EUR × 1.0898 = 1,089.80 USD; 1,000 EUR × 1.0746 = 1,074.60 USD; USD stays as it is.
    expect(prices.map((p) => [p.usdCents, p.currency, p.amountMinor, p.usdPerUnit])).toEqual([
      [108_980, 'EUR', 100_000, '1.0898'],
      [107_460, 'EUR', 100_000, '1.0746'],
      [25_050, 'USD', 25_050, '1'],
    ]);
  });

  it('reports a day without a rate and an unsupported currency per item; skipInvalid writes the rest', async () => {
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-04', 10, 'EUR'), item('2016-01-20', 10, 'EUR'), item('2016-01-04', 10, 'AED')],
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: 1, rejectedCount: 2 });
    expect(batch.errors).toEqual([
      {
        index: 1,
        field: 'day',
        code: 'RATE_UNAVAILABLE',
        message: expect.stringMatching(/EUR.*2016-01-20/),
        value: '2016-01-20',
      },
      {
        index: 2,
        field: 'currency',
        code: 'UNSUPPORTED_CURRENCY',
        message: expect.stringContaining('AED'),
        value: 'AED',
      },
    ]);
  });

  it('uploads a EUR price over a range, each day at its own rate', async () => {
    const batch = await ingest.uploadPrice(TEST_SUPPLIER, {
      originCode: 'CNSGH',
      destinationCode: 'NLRTM',
      dateFrom: '2016-01-04',
      dateTo: '2016-01-05',
      price: 1500,
      currency: 'EUR',
      idempotencyKey: freshKey(),
    });
    const prices = (await store.batches.pricesOf(batch.id, null, 1_000_000)) ?? [];
    // 1,500 × 1.0898 = 1,634.70; 1,500 × 1.0746 = 1,611.90.
    expect(prices.map((p) => p.usdCents)).toEqual([163_470, 161_190]);
  });
});

describe('IngestService.retractBatch', () => {
  it('retracts once and answers NOT_FOUND for an unknown id', async () => {
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [item('2016-01-01')],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    const before = await changesInFeed();
    expect(await ingest.retractBatch(TEST_SUPPLIER, batch.id)).toMatchObject({
      status: 'RETRACTED',
      retractedAt: expect.any(Date),
    });
    await ingest.retractBatch(TEST_SUPPLIER, batch.id);
    expect(await changesInFeed()).toBe(before + 1);
    await expect(ingest.retractBatch(TEST_SUPPLIER, 'no-such-batch')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'id',
    });
  });
});

describe('IngestService.uploadSheet: write turns', () => {
  const sheetIngest = () =>
    new IngestService(
      store,
      { maxBatchItems: 100_000, maxChunkedBatchItems: 100_000, openBatchTtlMs: 60_000, maxRatesRangeDays: 4 },
      new ExchangeRateService(new OfflineRateProvider(store.exchangeRates)),
      ignoredIngestEvents,
    );
  /** A sheet's rows, as the route's reader yields them. */
  function rows(count: number): AsyncIterable<SheetRow> {
    return (async function* () {
      for (let line = 2; line < count + 2; line += 1) {
        await Promise.resolve();
        yield { line, fields: { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2016-01-04', price: 1000 } };
      }
    })();
  }

  it('reads and appends each 10,000-item chunk within a turn of its own, each ended before the next is taken', async () => {
    const turns: string[] = [];
    let held = 0;
    const takeTurn = () => {
      expect(held).toBe(0);
      held += 1;
      turns.push('take');
      return Promise.resolve(() => {
        held -= 1;
        turns.push('end');
      });
    };
    const batch = await sheetIngest().uploadSheet(
      TEST_SUPPLIER,
      { idempotencyKey: freshKey(), skipInvalid: false },
      rows(25_000),
      takeTurn,
    );
    expect(batch).toMatchObject({ status: 'COMMITTED', itemCount: 25_000, chunkCount: 3 });
    expect(turns).toEqual(['take', 'end', 'take', 'end', 'take', 'end']);
    expect(held).toBe(0);
  });

  it('leaves the batch OPEN when a turn is refused, and a retry with the same key completes it once', async () => {
    const key = freshKey();
    let given = 0;
    const refusedAfterOne = () => {
      given += 1;
      if (given > 1) return Promise.reject(new RatelineError('SERVICE_SATURATED', 'no turn in time'));
      return Promise.resolve(() => undefined);
    };
    const service = sheetIngest();
    await expect(
      service.uploadSheet(TEST_SUPPLIER, { idempotencyKey: key, skipInvalid: false }, rows(25_000), refusedAfterOne),
    ).rejects.toMatchObject({ code: 'SERVICE_SATURATED' });
    const open = await store.batches.byIdempotencyKey(TEST_SUPPLIER.name, key);
    expect(open).toMatchObject({ status: 'OPEN', chunkCount: 1, itemCount: 10_000 });
    const retried = await service.uploadSheet(TEST_SUPPLIER, { idempotencyKey: key, skipInvalid: false }, rows(25_000));
    expect(retried).toMatchObject({ id: open!.id, status: 'COMMITTED', chunkCount: 3, itemCount: 25_000 });
  });
});
