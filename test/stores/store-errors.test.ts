/**
 * The adapter edge: driver errors that mean "could not reach the store" become the domain's
 * *_UNAVAILABLE errors, everything else passes through unchanged, and every failure is counted.
 */
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { RatelineError, StoreUnavailableError } from '../../src/domain/errors';
import { metricsText } from '../../src/observability/metrics';
import { isClickHouseUnavailable } from '../../src/stores/analytics/clickhouse/client';
import { isMongoUnavailable } from '../../src/stores/operational/mongodb/open';
import { guardStore, isNetworkError } from '../../src/stores/store-errors';

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

describe('guardStore', () => {
  it('turns an unreachable store into StoreUnavailableError with the cause kept, sync or async', async () => {
    const store = guardStore(new Adapter(refused), 'analytics', isNetworkError);
    const error = await store.fails().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'ANALYTICS_UNAVAILABLE', store: 'analytics', operation: 'fails' });
    expect((error as Error).cause).toBe(refused);
    expect(() => store.throwsAtOnce()).toThrow(StoreUnavailableError);
    const operational = guardStore(new Adapter(refused), 'operational', isNetworkError);
    await expect(operational.fails()).rejects.toMatchObject({ code: 'OPERATIONAL_STORE_UNAVAILABLE' });
  });

  it('passes other errors and domain errors through unchanged, and counts every failure', async () => {
    const bug = new Error('syntax error in the query');
    await expect(guardStore(new Adapter(bug), 'analytics', isNetworkError).fails()).rejects.toBe(bug);
    const domain = new RatelineError('NOT_FOUND', 'no such batch');
    await expect(guardStore(new Adapter(domain), 'operational', isNetworkError).fails()).rejects.toBe(domain);
    const text = await metricsText();
    expect(text).toMatch(/rateline_store_errors_total\{store="analytics",operation="fails",kind="other"\} [1-9]/);
    expect(text).toMatch(/rateline_store_errors_total\{store="analytics",operation="fails",kind="unavailable"\} [1-9]/);
  });

  it('runs methods on the adapter itself, so its private helpers and state work as before', async () => {
    const store = guardStore(new Adapter(undefined), 'operational', isNetworkError);
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
    const bulk = Object.assign(new Error('bulk write failed'), {
      errorResponse: new MongoNetworkError('connection 3 closed'),
    });
    expect(isMongoUnavailable(bulk)).toBe(true);
    expect(isMongoUnavailable(new Error('validation failed'))).toBe(false);
  });
});
