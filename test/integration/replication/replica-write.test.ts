/**
 * How one write to the replica follows the batch states the replica records (invariants 2 and 3,
 * docs/invariants.md), on the real chDB replica: a replay changes nothing, a retraction deletes once, a
 * batch accepted again after its retraction (a restore) is copied again, and a write cut short is
 * completed, never repeated.
 */
import type { PriceRecord } from '../../../src/domain/batch';
import { parseDay } from '../../../src/domain/day';
import { ReplicaWrite } from '../../../src/replication/pending-flush';
import type { AnalyticsStore } from '../../../src/stores/analytics';
import type { BatchChangeKind } from '../../../src/stores/operational';
import { closeEmbeddedStores, openEmbeddedStores, type EmbeddedStores } from '../../helpers/components';

let stores: EmbeddedStores;
let analytics: AnalyticsStore;
let version = 0;

beforeEach(async () => {
  stores = await openEmbeddedStores();
  ({ analytics } = stores);
  version = 0;
});
afterEach(() => closeEmbeddedStores(stores));

const lane = { originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] };
const january = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! };

const prices = (count: number, usdCents: number): PriceRecord[] =>
  Array.from({ length: count }, (_, itemIndex) => ({
    itemIndex,
    originCode: 'CNSGH',
    destinationCode: 'NLRTM',
    day: parseDay('2016-01-10')!,
    usdCents,
    currency: 'USD',
    amountMinor: usdCents,
    usdPerUnit: '1',
    containerType: null,
    contractTerm: null,
  }));

const ofBatch: Record<string, PriceRecord[]> = { a: prices(3, 100), b: prices(2, 1000), empty: [] };

/** Plans and applies one write of these latest changes, the way a flush does; answers the prices inserted. */
async function write(latest: Record<string, BatchChangeKind>): Promise<number> {
  const planned = await ReplicaWrite.plan(analytics.replica, new Map(Object.entries(latest)), (id) => ofBatch[id]!);
  return planned.apply(
    () => ++version,
    async (copies) => {
      if (copies.length > 0) await analytics.replica.applyChanges({ batches: copies, retractedBatchIds: [] });
      return copies.reduce((sum, b) => sum + b.prices.length, 0);
    },
  );
}

async function counted(): Promise<{ count: number; cents: number }> {
  const totals = await analytics.totals.dailyPriceTotals(lane, january);
  return {
    count: totals.reduce((n, t) => n + t.priceCount, 0),
    cents: totals.reduce((n, t) => n + t.totalUsdCents, 0),
  };
}

describe('ReplicaWrite', () => {
  it('copies once, deletes on retraction, and copies again a batch restored after its retraction', async () => {
    expect(await write({ a: 'committed', b: 'committed' })).toBe(5);
    expect(await write({ a: 'committed', b: 'committed' })).toBe(0);
    expect(await counted()).toEqual({ count: 5, cents: 2300 });
    expect(await write({ b: 'retracted' })).toBe(0);
    expect(await write({ b: 'retracted', a: 'committed' })).toBe(0);
    expect(await counted()).toEqual({ count: 3, cents: 300 });
    expect(await analytics.replica.batchStates(['a', 'b', 'c'])).toEqual(
      new Map([
        ['a', 'counted'],
        ['b', 'retracted'],
      ]),
    );
    // Accepted again: the feed commits it once more, and its prices count again, once.
    expect(await write({ b: 'committed' })).toBe(2);
    expect(await write({ a: 'committed', b: 'committed' })).toBe(0);
    expect(await counted()).toEqual({ count: 5, cents: 2300 });
  });

  it('records a retraction of a batch the replica never held without deleting anything', async () => {
    await write({ a: 'committed' });
    expect(await write({ c: 'retracted' })).toBe(0);
    expect(await analytics.replica.batchStates(['c'])).toEqual(new Map([['c', 'retracted']]));
    // Committed without a price to copy (retracted since, as a replay of its commit finds it): no record.
    expect(await write({ empty: 'committed' })).toBe(0);
    expect(await analytics.replica.batchStates(['empty'])).toEqual(new Map());
    expect(await counted()).toEqual({ count: 3, cents: 300 });
  });

  it('completes a copy cut short after the last item there, and a deletion cut short before copying again', async () => {
    // A crash after the intent and the first two items of `a`: in doubt, the rest is copied.
    await analytics.replica.recordBatchStates([{ batchId: 'a', state: 'copying' }], ++version);
    await analytics.replica.applyChanges({
      batches: [{ batchId: 'a', prices: ofBatch.a!.slice(0, 2) }],
      retractedBatchIds: [],
    });
    expect(await write({ a: 'committed' })).toBe(1);
    expect(await counted()).toEqual({ count: 3, cents: 300 });
    // A crash after the intent to retract `a`, before its DELETE; then `a` is restored.
    await analytics.replica.recordBatchStates([{ batchId: 'a', state: 'retracting' }], ++version);
    expect(await write({ a: 'committed' })).toBe(3);
    expect(await counted()).toEqual({ count: 3, cents: 300 });
  });
});
