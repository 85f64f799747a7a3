import { AnswerCache, type AnswerOutcome } from '../../../src/answer-cache/answer-cache';
import { MemoryAnswerStore } from '../../../src/answer-cache/answer-store';
import { cachedPriceTotals } from '../../../src/answer-cache/cached-queries';
import type { DataVersion, DataVersionSource } from '../../../src/answer-cache/data-version';
import { dataAsOf } from '../../../src/answer-cache/provenance';
import { startBudget, UNBOUNDED, type Budget } from '../../../src/domain/budget';
import type { EpochDay } from '../../../src/domain/day';
import type { DailyPriceTotal, PriceTotalsQueries } from '../../../src/stores/analytics';

/** A replica's version that the test moves on by hand, as a write would. */
class SettableVersion implements DataVersionSource {
  version: DataVersion = { token: 'v1', asOf: new Date('2026-01-01T00:00:00Z') };
  current(): Promise<DataVersion> {
    return Promise.resolve(this.version);
  }
}

/** A computation the test finishes when it wants, counting how often it was started. */
class Gate<T> {
  started = 0;
  private release: ((value: T) => void)[] = [];
  private fail: ((error: Error) => void)[] = [];
  compute = (): Promise<T> => {
    this.started++;
    return new Promise<T>((resolve, reject) => {
      this.release.push(resolve);
      this.fail.push(reject);
    });
  };
  finish(value: T): void {
    for (const resolve of this.release.splice(0)) resolve(value);
  }
  reject(error: Error): void {
    for (const reject of this.fail.splice(0)) reject(error);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

let version: SettableVersion;
let outcomes: AnswerOutcome[];
let cache: AnswerCache;

beforeEach(() => {
  version = new SettableVersion();
  outcomes = [];
  cache = new AnswerCache(new MemoryAnswerStore(1024 * 1024), version, 'test:', {
    answered: (outcome) => outcomes.push(outcome),
  });
});

describe('an answer', () => {
  it('is computed once per data version, and again once the version moves on', async () => {
    let computed = 0;
    const compute = () => Promise.resolve({ computed: ++computed });
    expect(await cache.answer('q', { a: 1 }, UNBOUNDED, compute)).toEqual({ computed: 1 });
    expect(await cache.answer('q', { a: 1 }, UNBOUNDED, compute)).toEqual({ computed: 1 });
    version.version = { token: 'v2', asOf: new Date('2026-01-02T00:00:00Z') };
    expect(await cache.answer('q', { a: 1 }, UNBOUNDED, compute)).toEqual({ computed: 2 });
    expect(outcomes).toEqual(['miss', 'hit', 'miss']);
  });

  it('is keyed by the question and every argument, whatever the order of an object’s properties', async () => {
    let computed = 0;
    const compute = () => Promise.resolve(++computed);
    await cache.answer('q', { a: 1, b: 2 }, UNBOUNDED, compute);
    expect(await cache.answer('q', { b: 2, a: 1 }, UNBOUNDED, compute)).toBe(1);
    expect(await cache.answer('q', { a: 1, b: 3 }, UNBOUNDED, compute)).toBe(2);
    expect(await cache.answer('other', { a: 1, b: 2 }, UNBOUNDED, compute)).toBe(3);
  });

  it('that failed is not kept: the next identical question computes again', async () => {
    await expect(cache.answer('q', 1, UNBOUNDED, () => Promise.reject(new Error('engine down')))).rejects.toThrow(
      'engine down',
    );
    expect(await cache.answer('q', 1, UNBOUNDED, () => Promise.resolve('fine'))).toBe('fine');
  });

  it('is found only under the version read before its computation began', async () => {
    const gate = new Gate<string>();
    const first = cache.answer('q', 1, UNBOUNDED, gate.compute);
    await settle();
    // A write lands while the answer is computed: it may or may not be in that answer.
    version.version = { token: 'v2', asOf: new Date('2026-01-02T00:00:00Z') };
    gate.finish('computed under v1');
    expect(await first).toBe('computed under v1');
    expect(await cache.answer('q', 1, UNBOUNDED, () => Promise.resolve('computed under v2'))).toBe('computed under v2');
  });
});

describe('identical questions in flight', () => {
  it('compute once: the others wait for that answer', async () => {
    const gate = new Gate<number[]>();
    const asked = [1, 2, 3].map(() => cache.answer('q', 1, UNBOUNDED, gate.compute));
    await settle();
    gate.finish([42]);
    expect(await Promise.all(asked)).toEqual([[42], [42], [42]]);
    expect(gate.started).toBe(1);
    expect(outcomes).toEqual(['miss', 'coalesced', 'coalesced']);
  });

  it('compute again when the one computing gave up (its client left), without failing the others', async () => {
    const owner = startBudget(60_000);
    const gate = new Gate<string>();
    const first = cache.answer('q', 1, owner.budget, gate.compute);
    await settle();
    const second = cache.answer('q', 1, UNBOUNDED, gate.compute);
    await settle();
    owner.abandon();
    gate.reject(owner.budget.signal.reason as Error);
    await expect(first).rejects.toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    await settle();
    expect(gate.started).toBe(2);
    gate.finish('answered');
    expect(await second).toBe('answered');
  });

  it('stop waiting when their own budget is spent', async () => {
    const gate = new Gate<string>();
    const first = cache.answer('q', 1, UNBOUNDED, gate.compute);
    await settle();
    const waiter = startBudget(60_000);
    const second = cache.answer('q', 1, waiter.budget, gate.compute);
    await settle();
    waiter.abandon();
    await expect(second).rejects.toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    gate.finish('late');
    expect(await first).toBe('late');
  });
});

describe('the in-process store', () => {
  it('keeps no more than its size: the least recently used answers go first', async () => {
    // About 2 × (40 + key) bytes each: 4 KiB holds a few dozen, not a thousand.
    const small = new AnswerCache(new MemoryAnswerStore(4096), version, 'test:', { answered: () => undefined });
    let computed = 0;
    const compute = () => Promise.resolve(`${++computed}`.padEnd(40, '.'));
    for (let i = 0; i < 1000; i++) await small.answer('q', i, UNBOUNDED, compute);
    const recomputedBefore = computed;
    await small.answer('q', 999, UNBOUNDED, compute);
    expect(computed).toBe(recomputedBefore);
    await small.answer('q', 0, UNBOUNDED, compute);
    expect(computed).toBe(recomputedBefore + 1);
  });
});

describe('the cached totals port', () => {
  it('asks the same question for the same port sets in any order or with repeats', async () => {
    const asked: string[][] = [];
    const totals: PriceTotalsQueries = {
      dailyPriceTotals: (lane) => {
        asked.push([...lane.originPorts]);
        const day: DailyPriceTotal = { day: 16_801 as EpochDay, priceCount: 3, totalUsdCents: 300 };
        return Promise.resolve([day]);
      },
      dailyPriceTotalsWithoutOutliers: () => Promise.resolve({ days: [], outliersExcluded: 0 }),
      dailyPriceSpreads: () => Promise.resolve({ days: [], outliersExcluded: 0 }),
    };
    const cached = cachedPriceTotals(totals, cache);
    const range = { from: 16_801 as EpochDay, to: 16_802 as EpochDay };
    const budget: Budget = UNBOUNDED;
    const a = await cached.dailyPriceTotals(
      { originPorts: ['CNSGH', 'CNNGB'], destinationPorts: ['NLRTM'] },
      range,
      budget,
    );
    const b = await cached.dailyPriceTotals(
      { originPorts: ['CNNGB', 'CNSGH', 'CNNGB'], destinationPorts: ['NLRTM'] },
      range,
      budget,
    );
    expect(b).toEqual(a);
    expect(asked).toHaveLength(1);
    await cached.dailyPriceTotals({ originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] }, range, budget);
    await cached.dailyPriceTotals(
      { originPorts: ['CNSGH', 'CNNGB'], destinationPorts: ['NLRTM'] },
      { ...range, to: 16_803 as EpochDay },
      budget,
    );
    expect(asked).toHaveLength(3);
  });
});

describe('provenance', () => {
  it('reports the oldest data version the answers read within a request’s budget came from', async () => {
    const request = startBudget(60_000);
    const other = startBudget(60_000);
    try {
      await cache.answer('q', 1, request.budget, () => Promise.resolve(1));
      version.version = { token: 'v2', asOf: new Date('2026-01-02T00:00:00Z') };
      await cache.answer('q', 2, request.budget, () => Promise.resolve(2));
      await cache.answer('q', 2, other.budget, () => Promise.resolve(2));
      expect(dataAsOf(request.budget)).toEqual(new Date('2026-01-01T00:00:00Z'));
      expect(dataAsOf(other.budget)).toEqual(new Date('2026-01-02T00:00:00Z'));
    } finally {
      request.finish();
      other.finish();
    }
  });

  it('records nothing for work of no request (UNBOUNDED)', async () => {
    await cache.answer('q', 1, UNBOUNDED, () => Promise.resolve(1));
    expect(dataAsOf(UNBOUNDED)).toBeUndefined();
  });
});
