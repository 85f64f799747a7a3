/**
 * The adapter edge: driver errors that mean "could not reach the store" become the domain's
 * *_UNAVAILABLE errors, everything else passes through unchanged, and every failure is counted.
 */
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { RatelineError, StoreUnavailableError } from '../../../src/domain/errors';
import { isClickHouseUnavailable } from '../../../src/stores/analytics/clickhouse/client';
import { isMongoUnavailable } from '../../../src/stores/operational/mongodb/open';
import { guardStore, isNetworkError, type StoreErrorKind } from '../../../src/stores/store-errors';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

class Adapter {
  constructor(private readonly failure: unknown) {}
  calls = 0;
  async fails(): Promise<void> {
    this.calls++;
    await Promise.resolve();
    throw this.failure;
  }
  throwsAtOnce(): Promise<void> {
    throw this.failure;
  }
  async usesThis(): Promise<number> {
    await this.inner();
    return this.calls;
  }
  private async inner(): Promise<void> {
    this.calls++;
    await Promise.resolve();
  }
}

/** Every failure the guard reports, as the composition root's metrics would see it. */
const reported: { store: string; operation: string; kind: StoreErrorKind }[] = [];
const report = (store: string, operation: string, kind: StoreErrorKind) => reported.push({ store, operation, kind });
beforeEach(() => (reported.length = 0));

describe('guardStore', () => {
  it('turns an unreachable store into StoreUnavailableError with the cause kept, sync or async', async () => {
    const store = guardStore(new Adapter(refused), 'analytics', isNetworkError, report);
    const error = await store.fails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'ANALYTICS_UNAVAILABLE', store: 'analytics', operation: 'fails' });
    expect((error as Error).cause).toBe(refused);
    expect(() => store.throwsAtOnce()).toThrow(StoreUnavailableError);
    const operational = guardStore(new Adapter(refused), 'operational', isNetworkError, report);
    await expect(operational.fails()).rejects.toMatchObject({ code: 'OPERATIONAL_STORE_UNAVAILABLE' });
    expect(reported).toEqual([
      { store: 'analytics', operation: 'fails', kind: 'unavailable' },
      { store: 'analytics', operation: 'throwsAtOnce', kind: 'unavailable' },
      { store: 'operational', operation: 'fails', kind: 'unavailable' },
    ]);
  });

  it('names operations after their port, and guards what a listed method answers (a feed reader)', async () => {
    const feed = {
      follow: () => Promise.resolve({ next: () => Promise.reject(refused), close: () => Promise.resolve() }),
    };
    const guarded = guardStore(feed, 'operational', isNetworkError, report, {
      name: 'changeFeed',
      guardResultsOf: ['follow'],
    });
    const reader = await guarded.follow();
    await expect(reader.next()).rejects.toMatchObject({
      code: 'OPERATIONAL_STORE_UNAVAILABLE',
      operation: 'changeFeed.follow.next',
    });
    expect(reported).toEqual([{ store: 'operational', operation: 'changeFeed.follow.next', kind: 'unavailable' }]);
  });

  it('passes other errors and domain errors through unchanged, and counts every failure', async () => {
    const bug = new Error('syntax error in the query');
    await expect(guardStore(new Adapter(bug), 'analytics', isNetworkError, report).fails()).rejects.toBe(bug);
    const domain = new RatelineError('NOT_FOUND', 'no such batch');
    await expect(guardStore(new Adapter(domain), 'operational', isNetworkError, report).fails()).rejects.toBe(domain);
    // A domain error is the client's answer, not a store failure: it is not reported.
    expect(reported).toEqual([{ store: 'analytics', operation: 'fails', kind: 'other' }]);
  });

  it('runs methods on the adapter itself, so its private helpers and state work as before', async () => {
    const store = guardStore(new Adapter(undefined), 'operational', isNetworkError, report);
    expect(await store.usesThis()).toBe(1);
    expect(store).toBeInstanceOf(Adapter);
  });
});

describe('what counts as unreachable', () => {
  it('for ClickHouse: socket errors and the client timeout, not a refused query', () => {
    expect(isClickHouseUnavailable(refused)).toBe(true);
    expect(isClickHouseUnavailable(new Error('Timeout error.'))).toBe(true);
    expect(isClickHouseUnavailable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isClickHouseUnavailable(new Error('Code: 62. DB::Exception: Syntax error'))).toBe(false);
  });

  it('for MongoDB: server selection, network errors (also inside a bulk write), no primary', () => {
    expect(isMongoUnavailable(new MongoServerSelectionError('no server', { error: undefined } as never))).toBe(true);
    expect(isMongoUnavailable(new MongoNetworkError('connection 3 closed'))).toBe(true);
    expect(isMongoUnavailable(new MongoServerError({ code: 10107, errmsg: 'not primary' }))).toBe(true);
    expect(isMongoUnavailable(new MongoServerError({ code: 11000, errmsg: 'duplicate key' }))).toBe(false);
    // A write a majority did not take within wtimeoutMS: a shard without a majority.
    expect(isMongoUnavailable(new MongoServerError({ code: 64, errmsg: 'waiting for replication timed out' }))).toBe(
      true,
    );
    const bulk = Object.assign(new Error('bulk write failed'), {
      errorResponse: new MongoNetworkError('connection 3 closed'),
    });
    expect(isMongoUnavailable(bulk)).toBe(true);
    expect(isMongoUnavailable(new Error('validation failed'))).toBe(false);
  });
});
