/**
 * The answer cache as API replicas of one ClickHouse server use it: answers shared through a real
 * Redis, the data version read from the replica on every question (its batch-state version), the
 * real replicator writing. chDB stands in for the server here; the version is read exactly as a
 * server's would be.
 */
import { connectRedis, type RedisConnection } from '../../../src/redis';
import { AnswerCache, type AnswerOutcome } from '../../../src/answer-cache/answer-cache';
import { RedisAnswerStore } from '../../../src/answer-cache/answer-store';
import { cachedPriceTotals } from '../../../src/answer-cache/cached-queries';
import { ReplicaStateVersion } from '../../../src/answer-cache/data-version';
import { parseDay } from '../../../src/domain/day';
import type { Replicator } from '../../../src/replication';
import type { PriceTotalsQueries } from '../../../src/stores/analytics';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';
import { closeEmbeddedStores, openEmbeddedStores, silentLog, type EmbeddedStores } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { startRedis, type RunningRedis } from '../../helpers/redis';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';

const lane = { originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] };
const firstWeek = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-07')! };

interface ApiReplica {
  readonly totals: PriceTotalsQueries;
  readonly outcomes: AnswerOutcome[];
  readonly failures: string[];
  readonly connection: RedisConnection;
}

let stores: EmbeddedStores;
let replicator: Replicator;
let redis: RunningRedis;
let replicas: ApiReplica[];

async function apiReplica(): Promise<ApiReplica> {
  const outcomes: AnswerOutcome[] = [];
  const failures: string[] = [];
  const connection = await connectRedis(redis.url, silentLog, () => undefined);
  const cache = new AnswerCache(
    new RedisAnswerStore(connection.client, 60, { sharedStoreFailed: (operation) => failures.push(operation) }),
    new ReplicaStateVersion(stores.analytics.replica),
    'test:answers:',
    { answered: (outcome) => outcomes.push(outcome) },
  );
  return { totals: cachedPriceTotals(stores.analytics.totals, cache), outcomes, failures, connection };
}

beforeAll(async () => {
  stores = await openEmbeddedStores();
  redis = await startRedis();
  replicator = newReplicator(stores.operational, stores.analytics.replica, FAST_REPLICATOR_OPTIONS);
  replicator.start();
  replicas = [await apiReplica(), await apiReplica()];
});
afterAll(async () => {
  for (const replica of replicas ?? []) replica.connection.disconnect();
  await replicator?.stop();
  await redis?.stop();
  await closeEmbeddedStores(stores);
});

const countOf = async (totals: PriceTotalsQueries) =>
  (await totals.dailyPriceTotals(lane, firstWeek)).reduce((sum, day) => sum + day.priceCount, 0);

let keys = 0;

async function untilReplicatedAtIsSet(id: string): Promise<void> {
  await eventually(
    async () => (await stores.operational.batches.byIds([id]))[0],
    (batch) => batch?.replicatedAt !== undefined && batch.replicatedAt !== null,
    { what: `batch ${id} to be marked replicated`, timeoutMs: 15_000, intervalMs: 5 },
  );
}

async function addOnePrice(): Promise<string> {
  const batch = await stores.ingest.submitPriceBatch(TEST_SUPPLIER, {
    items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2016-01-02', price: 1500, currency: 'USD' }],
    idempotencyKey: `shared-${++keys}`,
    skipInvalid: false,
  });
  await untilReplicatedAtIsSet(batch.id);
  return batch.id;
}

it('an answer computed by one replica is found by the other', async () => {
  await replicator.caughtUp(60_000);
  const [a, b] = replicas as [ApiReplica, ApiReplica];
  const computed = await countOf(a.totals);
  expect(a.outcomes.at(-1)).toBe('miss');
  expect(await countOf(b.totals)).toBe(computed);
  expect(b.outcomes).toEqual(['hit']);
});

it('after replicatedAt is set, the next answer of either replica counts the batch; after its retraction, neither does', async () => {
  const [a, b] = replicas as [ApiReplica, ApiReplica];
  const before = await countOf(a.totals);
  await countOf(b.totals);
  const ids: string[] = [];
  for (let round = 1; round <= 3; round++) {
    ids.push(await addOnePrice());
    expect(await countOf(b.totals)).toBe(before + round);
    expect(await countOf(a.totals)).toBe(before + round);
  }
  for (const [done, id] of ids.entries()) {
    await stores.ingest.retractBatch(TEST_SUPPLIER, id);
    await untilReplicatedAtIsSet(id);
    expect(await countOf(a.totals)).toBe(before + ids.length - done - 1);
    expect(await countOf(b.totals)).toBe(before + ids.length - done - 1);
  }
});

it('answers the same, computed in each replica, while Redis does not answer', async () => {
  const [a, b] = replicas as [ApiReplica, ApiReplica];
  const shared = await countOf(a.totals);
  await redis.stop();
  expect(await countOf(a.totals)).toBe(shared);
  expect(await countOf(b.totals)).toBe(shared);
  await addOnePrice();
  expect(await countOf(b.totals)).toBe(shared + 1);
  expect(a.failures).toContain('get');
  expect(b.failures).toContain('get');
});
