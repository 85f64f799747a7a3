import { IngestService } from '../../src/ingest';
import { readReferenceDataset } from '../../src/reference-data';
import type { SqliteOperationalStore } from '../../src/stores/operational';
import { openSqliteStore, removeDataDir, temporaryDataDir } from '../helpers/components';

let dataDir: string;
let store: SqliteOperationalStore;
let ingest: IngestService;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  store = openSqliteStore(dataDir);
  await store.upsertReferenceData(readReferenceDataset());
  ingest = new IngestService(store, { maxBatchItems: 5, maxChunkedBatchItems: 12, openBatchTtlMs: 60_000 });
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
    const batch = await ingest.submitPriceBatch({
      items: [item('2016-01-01', 1000.5), item('2016-01-02')],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    expect(batch).toMatchObject({ status: 'ACCEPTED', itemCount: 2, acceptedCount: 2, rejectedCount: 0, errors: [] });
    const prices = await store.pricesOfBatch(batch.id, -1, 1_000_000);
    expect(prices?.map((p) => [p.itemIndex, p.usdCents])).toEqual([
      [0, 100_050],
      [1, 100_000],
    ]);
    expect(await changesInFeed()).toBe(before + 1);
  });

  it('answers a retry with the same key and content with the first batch, writing nothing', async () => {
    const request = { items: [item('2016-01-03')], idempotencyKey: freshKey(), skipInvalid: false };
    const first = await ingest.submitPriceBatch(request);
    const before = await changesInFeed();
    const again = await ingest.submitPriceBatch({ ...request, items: [item('2016-01-03')] });
    expect(again).toEqual(first);
    expect(await changesInFeed()).toBe(before);
  });

  it('refuses a key reused for different content, naming the earlier batch', async () => {
    const key = freshKey();
    const first = await ingest.submitPriceBatch({
      items: [item('2016-01-04')],
      idempotencyKey: key,
      skipInvalid: false,
    });
    const reuse = ingest.submitPriceBatch({ items: [item('2016-01-05')], idempotencyKey: key, skipInvalid: false });
    await expect(reuse).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      details: { batchId: first.id },
    });
  });

  it('refuses a batch with an invalid item as a whole, lists every invalid item, and writes nothing', async () => {
    const before = await changesInFeed();
    const key = freshKey();
    const attempt = ingest.submitPriceBatch({
      items: [item('2016-01-01'), item('2016-13-01'), item('2016-01-02', 5, 'EUR')],
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
          expect.objectContaining({ index: 2, field: 'currency', code: 'UNSUPPORTED_CURRENCY', value: 'EUR' }),
        ],
      },
    });
    expect(await changesInFeed()).toBe(before);
    // Nothing was recorded, so the key is still free for the corrected batch.
    expect(await store.batchByIdempotencyKey(key)).toBeUndefined();
  });

  it('with skipInvalid writes the valid items and lists the rest; with none valid the batch is REJECTED', async () => {
    const partial = await ingest.submitPriceBatch({
      items: [item('2016-01-01'), item('2016-01-02', -3), item('2016-01-03')],
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(partial).toMatchObject({ status: 'ACCEPTED', itemCount: 3, acceptedCount: 2, rejectedCount: 1 });
    expect(partial.errors).toEqual([expect.objectContaining({ index: 1, field: 'price' })]);
    expect((await store.pricesOfBatch(partial.id, -1, 1_000_000))?.map((p) => p.itemIndex)).toEqual([0, 2]);

    const none = await ingest.submitPriceBatch({
      items: [item('2016-01-02', -3)],
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(none).toMatchObject({ status: 'REJECTED', acceptedCount: 0, rejectedCount: 1 });
  });

  it('refuses empty and oversized batches and bad keys before looking at items', async () => {
    const submit = (items: ReturnType<typeof item>[], idempotencyKey = freshKey()) =>
      ingest.submitPriceBatch({ items, idempotencyKey, skipInvalid: false });
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
    const batch = await ingest.uploadPrice({ ...upload, dateFrom: '2016-02-27', dateTo: '2016-03-01' });
    expect(batch).toMatchObject({ status: 'ACCEPTED', itemCount: 4, acceptedCount: 4 });
    const prices = (await store.pricesOfBatch(batch.id, -1, 1_000_000)) ?? [];
    expect(prices.map((p) => p.usdCents)).toEqual([9999, 9999, 9999, 9999]);
  });

  it('with an idempotency key, a retried upload returns the first batch', async () => {
    const request = { ...upload, dateFrom: '2016-02-01', dateTo: '2016-02-01', idempotencyKey: freshKey() };
    expect(await ingest.uploadPrice(request)).toEqual(await ingest.uploadPrice(request));
  });

  it.each([
    [{ dateFrom: '2016-02-31', dateTo: '2016-03-01' }, 'BAD_USER_INPUT', 'dateFrom'],
    [{ dateFrom: '2016-03-02', dateTo: '2016-03-01' }, 'BAD_USER_INPUT', 'dateTo'],
    [{ dateFrom: '2016-01-01', dateTo: '2016-01-31' }, 'BAD_USER_INPUT', 'dateTo'],
    [{ originCode: 'NOPE1' }, 'UNKNOWN_LOCATION', 'originCode'],
    [{ price: 0.001 }, 'BAD_USER_INPUT', 'price'],
    [{ currency: 'EUR' }, 'UNSUPPORTED_CURRENCY', 'currency'],
  ])('answers %j with %s on %s', async (change, code, field) => {
    const attempt = ingest.uploadPrice({ ...upload, dateFrom: '2016-01-01', dateTo: '2016-01-02', ...change });
    await expect(attempt).rejects.toMatchObject({ code, field });
  });
});

describe('IngestService.retractBatch', () => {
  it('retracts once and answers NOT_FOUND for an unknown id', async () => {
    const batch = await ingest.submitPriceBatch({
      items: [item('2016-01-01')],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    const before = await changesInFeed();
    expect(await ingest.retractBatch(batch.id)).toMatchObject({ status: 'RETRACTED', retractedAt: expect.any(Date) });
    await ingest.retractBatch(batch.id);
    expect(await changesInFeed()).toBe(before + 1);
    await expect(ingest.retractBatch('no-such-batch')).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });
});
