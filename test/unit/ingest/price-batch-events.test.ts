/**
 * What the write path reports for a whole batch, through IngestEvents. The batch and reference-data
 * ports are small in-memory implementations written here (only what PriceBatchWriter calls), so the
 * test needs no store; the expected events are written out by hand.
 */
import { ExchangeRateService, type ExchangeRateProvider } from '../../../src/currencies';
import type { Batch, BatchOwner, NewBatch } from '../../../src/domain/batch';
import type { Port } from '../../../src/domain/model';
import { PriceBatchWriter, type SubmitPriceBatchInput } from '../../../src/ingest';
import type { BatchStore, RecordBatchOutcome, ReferenceDataStore } from '../../../src/stores/operational';
import { recordingIngestEvents, type RecordingIngestEvents } from '../../helpers/ingest-events';

const PORTS: readonly Port[] = [
  { code: 'CNSGH', name: 'Shanghai', regionSlug: 'china_main' },
  { code: 'NLRTM', name: 'Rotterdam', regionSlug: 'north_europe_main' },
];

/** Batches by idempotency key, as recorded; `failNextRecord` makes the next record throw. */
class InMemoryBatches implements Pick<BatchStore, 'byIdempotencyKey' | 'record'> {
  readonly byKey = new Map<string, Batch>();
  failNextRecord = false;

  byIdempotencyKey(_owner: BatchOwner, key: string): Promise<Batch | undefined> {
    return Promise.resolve(this.byKey.get(key));
  }

  record(batch: NewBatch): Promise<RecordBatchOutcome> {
    if (this.failNextRecord) {
      this.failNextRecord = false;
      return Promise.reject(new Error('the store failed'));
    }
    const accepted = batch.status === 'ACCEPTED' ? batch.prices.length : 0;
    const recorded: Batch = {
      id: batch.id,
      owner: batch.owner,
      idempotencyKey: batch.idempotencyKey,
      requestHash: batch.requestHash,
      status: batch.status,
      skipInvalid: batch.skipInvalid,
      itemCount: batch.itemCount,
      chunkCount: 0,
      processedCount: batch.itemCount,
      acceptedCount: accepted,
      rejectedCount: batch.itemCount - accepted,
      errors: batch.errors,
      errorCount: batch.errors.length,
      createdAt: batch.createdAt,
      openUntil: null,
      retractedAt: null,
      replicatedAt: null,
    };
    this.byKey.set(batch.idempotencyKey, recorded);
    return Promise.resolve({ kind: 'created', batch: recorded });
  }
}

const referenceData: Pick<ReferenceDataStore, 'portsByCodes'> = {
  portsByCodes: (codes) => Promise.resolve(codes.map((code) => PORTS.find((p) => p.code === code))),
};

/** Every item here is in USD, which never asks the provider. */
const noProvider: ExchangeRateProvider = {
  name: 'offline',
  currencies: () => Promise.resolve([]),
  usdPerUnit: () => Promise.reject(new Error('not asked for USD')),
};

let batches: InMemoryBatches;
let events: RecordingIngestEvents;
let writer: PriceBatchWriter;

beforeEach(() => {
  batches = new InMemoryBatches();
  events = recordingIngestEvents();
  writer = new PriceBatchWriter({ batches, referenceData }, new ExchangeRateService(noProvider), events);
});

const item = (day: string, originCode = 'CNSGH') => ({
  originCode,
  destinationCode: 'NLRTM',
  day,
  price: 1250,
  currency: 'USD',
});

const threeDays: SubmitPriceBatchInput = {
  owner: 'supplier-a',
  idempotencyKey: 'three-days',
  skipInvalid: false,
  items: [item('2016-01-04'), item('2016-01-05'), item('2016-01-06')],
};

describe('IngestEvents of a whole batch', () => {
  it('reports an accepted batch and its 3 prices', async () => {
    const batch = await writer.submit(threeDays, 10);
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: 3 });
    expect(events.recorded).toEqual([
      { event: 'batchOutcome', outcome: 'accepted' },
      { event: 'pricesAccepted', count: 3 },
    ]);
  });

  it('reports a repeated request as replayed, with no prices accepted', async () => {
    const first = await writer.submit(threeDays, 10);
    events.recorded.length = 0;
    const again = await writer.submit(threeDays, 10);
    expect(again.id).toBe(first.id);
    expect(events.recorded).toEqual([{ event: 'batchOutcome', outcome: 'replayed' }]);
  });

  it('reports a batch with an invalid item as refused, and records nothing', async () => {
    const input = { ...threeDays, items: [item('2016-01-04'), item('2016-01-05', 'XXXXX')] };
    await expect(writer.submit(input, 10)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(events.recorded).toEqual([{ event: 'batchOutcome', outcome: 'refused' }]);
    expect(batches.byKey.size).toBe(0);
  });

  it('reports a key reused for other content as conflict', async () => {
    await writer.submit(threeDays, 10);
    events.recorded.length = 0;
    const other = { ...threeDays, items: [item('2016-01-07')] };
    await expect(writer.submit(other, 10)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(events.recorded).toEqual([{ event: 'batchOutcome', outcome: 'conflict' }]);
  });

  it('reports a skipInvalid batch without a valid item as rejected, with 0 prices', async () => {
    const input = {
      owner: 'supplier-a',
      idempotencyKey: 'none-valid',
      skipInvalid: true,
      items: [item('2016-01-04', 'XXXXX')],
    };
    const batch = await writer.submit(input, 10);
    expect(batch.status).toBe('REJECTED');
    expect(events.recorded).toEqual([
      { event: 'batchOutcome', outcome: 'rejected' },
      { event: 'pricesAccepted', count: 0 },
    ]);
  });

  it('reports a store failure while recording as failed', async () => {
    batches.failNextRecord = true;
    await expect(writer.submit(threeDays, 10)).rejects.toThrow('the store failed');
    expect(events.recorded).toEqual([{ event: 'batchOutcome', outcome: 'failed' }]);
  });

  it('reports nothing for a request refused before its items are looked at', async () => {
    await expect(writer.submit({ ...threeDays, idempotencyKey: '' }, 10)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(writer.submit(threeDays, 2)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(events.recorded).toEqual([]);
  });
});
