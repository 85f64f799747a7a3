/**
 * Price dimensions on the write path (issue 17): what a batch's items, an uploadPrice range and a rate
 * sheet's rows state is stored normalised, a code Rateline does not know is an item error, the term of
 * a range comes from its validity unless stated, a request's fingerprint is unchanged for items
 * without dimensions, and a price's dimensions reach ClickHouse exactly. Real SQLite and chDB.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { createBatchWorker } from '../../../src/app/rateline';
import { ExchangeRateService, OfflineRateProvider } from '../../../src/currencies';
import { RatelineError } from '../../../src/domain/errors';
import type { SheetRow } from '../../../src/ingest';
import { select } from '../../../src/stores/analytics/clickhouse/database';
import { TEST_ADMIN, TEST_SUPPLIER } from '../../helpers/batch-actors';
import {
  closeEmbeddedStores,
  openChdbClient,
  openEmbeddedStores,
  silentLog,
  testConfig,
  type EmbeddedStores,
} from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';

let stores: EmbeddedStores;
beforeAll(async () => {
  stores = await openEmbeddedStores();
});
afterAll(() => closeEmbeddedStores(stores));

let keys = 0;
const freshKey = () => `dimensions-${++keys}`;
const item = (day: string, price = 1000, dimensions: Record<string, unknown> = {}) => ({
  originCode: 'CNSGH',
  destinationCode: 'NLRTM',
  day,
  price,
  currency: 'USD',
  ...dimensions,
});
const storedDimensions = async (batchId: string) =>
  (await stores.operational.batches.pricesOf(batchId, null, 1_000)).map((p) => [p.containerType, p.contractTerm]);

/** The item errors of a refused request. */
async function itemErrors(request: Promise<unknown>): Promise<unknown[]> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RatelineError);
  return (error as RatelineError).details?.itemErrors as unknown[];
}

describe('a batch’s items', () => {
  it('keep what they state, other spellings read as their code, and nothing else (a single day implies no term)', async () => {
    const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: [
        item('2016-01-04', 1000, { containerType: '40HQ', contractTerm: 'LONG_TERM' }),
        item('2016-01-04', 1000, { containerType: ' 20dc ' }),
        item('2016-01-04', 1000, { contractTerm: 'SHORT_TERM' }),
        item('2016-01-04', 1000, { containerType: null, contractTerm: null }),
        item('2016-01-04'),
      ],
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    expect(await storedDimensions(batch.id)).toEqual([
      ['40HC', 'LONG_TERM'],
      ['20DC', null],
      [null, 'SHORT_TERM'],
      [null, null],
      [null, null],
    ]);
  });

  it('refuses an unknown container type or contract term as an item error naming the accepted codes', async () => {
    const items = [
      item('2016-01-04', 1000, { containerType: '45XX' }),
      item('2016-01-05', 1000, { contractTerm: 'FOREVER' }),
      item('2016-01-06', 1000, { containerType: '40RH' }),
    ];
    const errors = await itemErrors(
      stores.ingest.submitPriceBatch(TEST_SUPPLIER, { items, idempotencyKey: freshKey(), skipInvalid: false }),
    );
    expect(errors).toEqual([
      expect.objectContaining({ index: 0, field: 'containerType', code: 'BAD_USER_INPUT', value: '45XX' }),
      expect.objectContaining({ index: 1, field: 'contractTerm', code: 'BAD_USER_INPUT', value: 'FOREVER' }),
    ]);
    const [typeError, termError] = errors as { message: string }[];
    for (const code of ['20DC', '20RE', '20TK', '40DC', '40RH', '40HC', '40HQ as 40HC']) {
      expect(typeError?.message).toContain(code);
    }
    expect(termError?.message).toContain('SHORT_TERM, LONG_TERM');
    // skipInvalid applies as to any bad item: the valid one is written, the others listed.
    const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items,
      idempotencyKey: freshKey(),
      skipInvalid: true,
    });
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: 1, rejectedCount: 2 });
    expect(await storedDimensions(batch.id)).toEqual([['40RH', null]]);
  });

  it('fingerprint items without dimensions exactly as before dimensions existed, and differ by them', async () => {
    const key = freshKey();
    const plain = [item('2016-01-04'), item('2016-01-05', 1200.5)];
    const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: plain,
      idempotencyKey: key,
      skipInvalid: false,
    });
    // Computed with main's code before prices had dimensions (sha256 of the JSON of [skipInvalid, items]).
    expect(batch.requestHash).toBe('cqRYp949NcPNcbp7B6vegVnvAM3tp15-A1Mj3e-kfMQ');
    // Dimensions stated as null are no dimensions: the same request.
    const nulls = plain.map((i) => ({ ...i, containerType: null, contractTerm: null }));
    const again = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: nulls,
      idempotencyKey: key,
      skipInvalid: false,
    });
    expect(again.id).toBe(batch.id);
    // The same key with a dimension stated is other content.
    const typed = plain.map((i) => ({ ...i, containerType: '40HC' }));
    await expect(
      stores.ingest.submitPriceBatch(TEST_SUPPLIER, { items: typed, idempotencyKey: key, skipInvalid: false }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const withType = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: typed,
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    const withTerm = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: plain.map((i) => ({ ...i, containerType: '40HC', contractTerm: 'LONG_TERM' })),
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    expect(new Set([batch.requestHash, withType.requestHash, withTerm.requestHash]).size).toBe(3);
  });
});

describe('uploadPrice', () => {
  const upload = (dateFrom: string, dateTo: string, dimensions: Record<string, unknown> = {}) =>
    stores.ingest.uploadPrice(TEST_SUPPLIER, {
      originCode: 'CNSGH',
      destinationCode: 'NLRTM',
      dateFrom,
      dateTo,
      price: 2000,
      currency: 'USD',
      idempotencyKey: freshKey(),
      ...dimensions,
    });

  it('takes the term from the range’s validity by the anchors’ thresholds when none is stated', async () => {
    // 31 days: short; 32 to 87: neither; 88: long.
    const cases: [string, string, string | null][] = [
      ['2016-01-01', '2016-01-31', 'SHORT_TERM'],
      ['2016-01-01', '2016-02-01', null],
      ['2016-01-01', '2016-03-27', null],
      ['2016-01-01', '2016-03-28', 'LONG_TERM'],
    ];
    for (const [from, to, term] of cases) {
      const batch = await upload(from, to, { containerType: '40GP' });
      const stored = await storedDimensions(batch.id);
      expect([to, new Set(stored.map(([type, t]) => `${type} ${t}`))]).toEqual([to, new Set([`40DC ${term}`])]);
    }
  });

  it('keeps the stated term over the validity, and refuses an unknown container type', async () => {
    const batch = await upload('2016-01-01', '2016-01-07', { contractTerm: 'LONG_TERM' });
    expect(new Set((await storedDimensions(batch.id)).map(String))).toEqual(new Set([',LONG_TERM']));
    await expect(upload('2016-01-01', '2016-01-07', { containerType: '53HC' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'containerType',
      value: '53HC',
    });
  });
});

describe('a rate sheet', () => {
  /** Uploads the rows and lets a real worker settle the batch. */
  async function sheet(rows: readonly SheetRow[]) {
    const committed = await stores.ingest.uploadSheet(
      TEST_SUPPLIER,
      { idempotencyKey: freshKey(), skipInvalid: true },
      Readable.from(rows),
    );
    const worker = createBatchWorker(
      testConfig(stores.dataDir),
      stores.operational,
      new ExchangeRateService(new OfflineRateProvider(stores.operational.exchangeRates)),
      silentLog,
    );
    worker.start();
    try {
      const settled = await eventually(
        async () => (await stores.operational.batches.byIds([committed.id]))[0],
        (batch) => batch?.status === 'ACCEPTED',
        { what: `sheet batch ${committed.id} settled` },
      );
      return settled!;
    } finally {
      await worker.stop();
    }
  }

  it('reads container_type and contract_term per row, the range’s term from its validity, bad codes with their line', async () => {
    const lane = { originCode: 'CNSGH', destinationCode: 'NLRTM' };
    const batch = await sheet([
      { line: 2, fields: { ...lane, day: '2016-01-04', price: '1000', containerType: '40hq' } },
      { line: 3, fields: { ...lane, dateFrom: '2016-01-01', dateTo: '2016-01-02', price: '1000' } },
      {
        line: 4,
        fields: { ...lane, dateFrom: '2016-01-01', dateTo: '2016-06-30', price: '1000', contractTerm: 'SHORT_TERM' },
      },
      { line: 5, fields: { ...lane, day: '2016-01-04', price: '1000', containerType: 'XX' } },
      { line: 6, fields: { ...lane, day: '2016-01-04', price: '1000', contractTerm: 'LONG' } },
    ]);
    expect(batch.errors).toEqual([
      expect.objectContaining({ line: 5, field: 'containerType', code: 'BAD_USER_INPUT', value: 'XX' }),
      expect.objectContaining({ line: 6, field: 'contractTerm', code: 'BAD_USER_INPUT', value: 'LONG' }),
    ]);
    const stored = await storedDimensions(batch.id);
    expect(stored.slice(0, 3)).toEqual([
      ['40HC', null],
      [null, 'SHORT_TERM'],
      [null, 'SHORT_TERM'],
    ]);
    expect(new Set(stored.slice(3).map(String))).toEqual(new Set([',SHORT_TERM']));
    expect(stored).toHaveLength(1 + 2 + 182); // 2016-01-01..06-30 of a leap year: 182 days
  });
});

describe('replication', () => {
  let client: ClickHouseClient | undefined;
  afterAll(() => client?.close());

  /** Runs a replicator until ClickHouse holds every change made so far. */
  async function replicate(): Promise<void> {
    const replicator = newReplicator(stores.operational, stores.analytics.replica, FAST_REPLICATOR_OPTIONS);
    replicator.start();
    await replicator.caughtUp(30_000);
    await replicator.stop();
  }
  /** What ClickHouse holds of a batch: [item, cents, container type, contract term]. */
  async function replicated(batchId: string): Promise<[number, number, string, string][]> {
    client ??= openChdbClient(stores.dataDir);
    const rows = await select<{ item: number; cents: number; type: string; term: string }>(
      client,
      `SELECT item_index AS item, usd_cents AS cents, container_type AS type, contract_term AS term
         FROM rateline.prices WHERE batch_id = {id:String} ORDER BY item_index`,
      { id: batchId },
    );
    return rows.map((r) => [Number(r.item), Number(r.cents), r.type, r.term]);
  }
  const mixed = [
    item('2016-02-01', 1000, { containerType: '40HQ', contractTerm: 'LONG_TERM' }),
    item('2016-02-01', 1100, { containerType: '20TK' }),
    item('2016-02-01', 1200, { contractTerm: 'SHORT_TERM' }),
    item('2016-02-01', 1300),
  ];
  const mixedInClickHouse = [
    [0, 100_000, '40HC', 'LONG_TERM'],
    [1, 110_000, '20TK', ''],
    [2, 120_000, '', 'SHORT_TERM'],
    [3, 130_000, '', ''],
  ];

  it('writes each price’s dimensions into ClickHouse exactly, unspecified as empty', async () => {
    const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: mixed,
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    await replicate();
    expect(await replicated(batch.id)).toEqual(mixedInClickHouse);
  });

  it('copies a restored batch’s prices again with their dimensions', async () => {
    const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
      items: mixed.map((i) => ({ ...i, day: '2016-02-02' })),
      idempotencyKey: freshKey(),
      skipInvalid: false,
    });
    await replicate();
    await stores.ingest.retractBatch(TEST_ADMIN, batch.id);
    await replicate();
    expect(await replicated(batch.id)).toEqual([]);
    await stores.ingest.restoreBatch(TEST_ADMIN, batch.id);
    await replicate();
    expect(await replicated(batch.id)).toEqual(mixedInClickHouse);
  });
});
