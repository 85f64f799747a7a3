import { spawn } from 'node:child_process';
import os from 'node:os';
import { parseDay } from '../../../src/domain/day';
import { IngestService } from '../../../src/ingest';
import { ReplicationMonitor, Replicator } from '../../../src/replication';
import type { AnalyticsReplica, AnalyticsStore } from '../../../src/stores/analytics';
import type { OperationalStore } from '../../../src/stores/operational';
import {
  closeEmbeddedStores,
  openChdbClient,
  openChdbStore,
  openEmbeddedStores,
  silentLog,
  type EmbeddedStores,
} from '../../helpers/components';
import { FAST_REPLICATOR_OPTIONS, newReplicator, UNOBSERVED_REPLICATOR_EVENTS } from '../../helpers/replication';
import { TEST_ADMIN, TEST_SUPPLIER } from '../../helpers/batch-actors';

let operational: OperationalStore;
let analytics: AnalyticsStore;
let ingest: IngestService;

let stores: EmbeddedStores;

beforeEach(async () => {
  stores = await openEmbeddedStores();
  ({ operational, analytics, ingest } = stores);
});
afterEach(() => closeEmbeddedStores(stores));

const FAST = FAST_REPLICATOR_OPTIONS;
const lane = { originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] };
const january = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! };
let keys = 0;

async function submit(prices: number[], day = '2016-01-10') {
  return ingest.submitPriceBatch(TEST_SUPPLIER, {
    items: prices.map((price) => ({ originCode: 'CNSGH', destinationCode: 'NLRTM', day, price, currency: 'USD' })),
    idempotencyKey: `k${++keys}`,
    skipInvalid: false,
  });
}

/** The pid of a process that has exited (so no process has it for now). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function laneTotals() {
  return (await analytics.totals.dailyPriceTotals(lane, january)).reduce(
    (sum, t) => ({ count: sum.count + t.priceCount, cents: sum.cents + t.totalUsdCents }),
    { count: 0, cents: 0 },
  );
}

async function replicateUntilCaughtUp(
  options = FAST,
  events = UNOBSERVED_REPLICATOR_EVENTS,
  ports: { operational: OperationalStore; replica: AnalyticsReplica } = { operational, replica: analytics.replica },
): Promise<void> {
  const replicator = new Replicator({ ...ports, log: silentLog, events }, options);
  replicator.start();
  await replicator.caughtUp(30_000);
  await replicator.stop();
}

/** Sets the replica's checkpoint back to the start of the feed (as a lost checkpoint or a feed restart would). */
async function replayFromTheStart(): Promise<void> {
  const checkpoint = await analytics.replica.replicationCheckpoint();
  await analytics.replica.saveCheckpoint({
    position: '0',
    appliedAt: new Date(),
    version: (checkpoint?.version ?? 0) + 1,
  });
}

/**
 * The real port with one method failing once, on its call number `failingCall` (1 for the first), as
 * a crash there would: `before` throws without calling it, `after` calls it and then throws (as a
 * timeout after the store committed would). `failures` counts what was injected.
 */
function failingOnce<T extends object>(
  port: T,
  method: keyof T & string,
  failingCall: number,
  when: 'before' | 'after',
): { port: T; failures: () => number } {
  let calls = 0;
  let failures = 0;
  const fail = (): never => {
    failures++;
    throw new Error(`injected failure ${when} ${method}`);
  };
  const wrapped = new Proxy(port, {
    get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== method || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const fails = ++calls === failingCall;
        if (fails && when === 'before') fail();
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (fails) fail();
        return result;
      };
    },
  });
  return { port: wrapped, failures: () => failures };
}

describe('Replicator', () => {
  it('copies committed batches, marks them replicated and stores its checkpoint', async () => {
    const a = await submit([100, 200]);
    const b = await submit([300]);
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 60_000 });
    const [afterA, afterB] = await operational.batches.byIds([a.id, b.id]);
    expect(afterA?.replicatedAt).toBeInstanceOf(Date);
    expect(afterB?.replicatedAt).toBeInstanceOf(Date);
    expect((await analytics.replica.replicationCheckpoint())?.position).toBe('2');
    expect(await new ReplicationMonitor(operational.changeFeed, analytics.replica).status()).toMatchObject({
      lagMs: 0,
      pendingChanges: 0,
      lastAppliedAt: expect.any(Date),
    });
  });

  it('applies retractions: a retracted batch stops counting, and replicatedAt follows the retraction', async () => {
    const kept = await submit([100]);
    const dropped = await submit([5000, 5000]);
    await replicateUntilCaughtUp();
    await ingest.retractBatch(TEST_SUPPLIER, dropped.id);
    expect((await operational.batches.byIds([dropped.id]))[0]?.replicatedAt).toBeNull();
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 1, cents: 10_000 });
    const [keptAfter, droppedAfter] = await operational.batches.byIds([kept.id, dropped.id]);
    expect(keptAfter?.status).toBe('ACCEPTED');
    expect(droppedAfter?.replicatedAt).toBeInstanceOf(Date);
  });

  it('applies a restore: a batch retracted and restored counts again once, its retraction and restore in one flush', async () => {
    const restored = await submit([100, 200]);
    await submit([400]);
    await replicateUntilCaughtUp();
    await ingest.retractBatch(TEST_SUPPLIER, restored.id);
    await ingest.restoreBatch(TEST_ADMIN, restored.id);
    // Both changes wait in the feed: the replicator reads them in one go.
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 70_000 });
    expect((await operational.batches.byIds([restored.id]))[0]?.replicatedAt).toBeInstanceOf(Date);
    // The whole feed again (commit, retraction, restore of one batch in a row) over the full replica: once.
    await replayFromTheStart();
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 70_000 });
    // And over a replica that last applied the retraction (its prices deleted, the batch recorded retracted):
    // the restore copies it again, once.
    await analytics.replica.applyChanges({ batches: [], retractedBatchIds: [restored.id] });
    const stateVersion = await analytics.replica.latestBatchStateVersion();
    await analytics.replica.recordBatchStates([{ batchId: restored.id, state: 'retracted' }], stateVersion + 1);
    expect(await laneTotals()).toEqual({ count: 1, cents: 40_000 });
    await replayFromTheStart();
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 70_000 });
  });

  it('after a crash between applying and checkpointing, replays without counting anything twice', async () => {
    await submit([100, 200]);
    await replicateUntilCaughtUp();
    await submit([400]);
    await replicateUntilCaughtUp();
    // The crash: the replica holds both batches, but its newest checkpoint is lost, so the next
    // replicator starts from the first one and is handed the second batch again.
    const checkpoint = await analytics.replica.replicationCheckpoint();
    expect(checkpoint?.position).toBe('2');
    await analytics.replica.saveCheckpoint({ position: '1', appliedAt: new Date(), version: checkpoint!.version + 1 });
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 70_000 });
    // And from no checkpoint at all (a replica that lost them all): the whole feed again, still once.
    await analytics.replica.saveCheckpoint({ position: '0', appliedAt: new Date(), version: checkpoint!.version + 2 });
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 3, cents: 70_000 });
  });

  it('replays the whole feed over a full replica in many small flushes and counts every price once', async () => {
    for (let i = 0; i < 6; i++) await submit(Array.from({ length: 400 }, () => 10));
    const smallFlushes = { ...FAST, flushMaxPrices: 1000, flushIntervalMs: 60_000 };
    await replicateUntilCaughtUp(smallFlushes);
    expect(await laneTotals()).toEqual({ count: 2400, cents: 2400 * 1000 });
    await replayFromTheStart();
    await replicateUntilCaughtUp(smallFlushes);
    expect(await laneTotals()).toEqual({ count: 2400, cents: 2400 * 1000 });
    // A replay of a replay, with flushes of another size: still once.
    await replayFromTheStart();
    await replicateUntilCaughtUp({ ...smallFlushes, flushMaxPrices: 500 });
    expect(await laneTotals()).toEqual({ count: 2400, cents: 2400 * 1000 });
  });

  it('replays the feed across a retraction: the retracted batch stays out, every other counts once', async () => {
    const smallFlushes = { ...FAST, flushMaxPrices: 1000 };
    const batches = [];
    for (let i = 0; i < 6; i++) batches.push(await submit(Array.from({ length: 400 }, () => 10)));
    await replicateUntilCaughtUp(smallFlushes);
    await ingest.retractBatch(TEST_SUPPLIER, batches[3]!.id);
    await replicateUntilCaughtUp(smallFlushes);
    expect(await laneTotals()).toEqual({ count: 2000, cents: 2000 * 1000 });
    await replayFromTheStart();
    await replicateUntilCaughtUp(smallFlushes);
    expect(await laneTotals()).toEqual({ count: 2000, cents: 2000 * 1000 });
  });

  it.each([
    ['the operational store marks the flush replicated', 'markReplicated', 'before'],
    ['the checkpoint is saved', 'saveCheckpoint', 'before'],
    ['the replica reports the INSERT it applied as failed', 'applyChanges', 'after'],
  ] as const)(
    'counts every price once after a failure after the INSERT, when %s, and the retry',
    async (_, method, when) => {
      for (let i = 0; i < 6; i++) await submit(Array.from({ length: 400 }, () => 10));
      // The second flush (batches 4 to 6) fails once there; the replicator retries on its own.
      const injected =
        method === 'markReplicated'
          ? failingOnce(operational.batches, method, 2, when)
          : failingOnce(analytics.replica, method, 2, when);
      const ports = {
        operational:
          method === 'markReplicated'
            ? { ...operational, batches: injected.port as OperationalStore['batches'] }
            : operational,
        replica: method === 'markReplicated' ? analytics.replica : (injected.port as AnalyticsReplica),
      };
      await replicateUntilCaughtUp({ ...FAST, flushMaxPrices: 1000, flushIntervalMs: 60_000 }, undefined, ports);
      expect(injected.failures()).toBe(1);
      expect(await laneTotals()).toEqual({ count: 2400, cents: 2400 * 1000 });
    },
  );

  it('starts over from a snapshot when the stored position belongs to another feed', async () => {
    await submit([100]);
    await analytics.replica.saveCheckpoint({
      position: '{"resumeAfter":{"_data":"8263"}}',
      appliedAt: new Date(),
      version: 1,
    });
    await replicateUntilCaughtUp();
    expect(await laneTotals()).toEqual({ count: 1, cents: 10_000 });
  });

  it('flushes by size: a burst bigger than flushMaxPrices lands in several flushes, each whole batches', async () => {
    for (let i = 0; i < 6; i++) await submit(Array.from({ length: 400 }, () => 10));
    await replicateUntilCaughtUp({ ...FAST, flushMaxPrices: 1000, flushIntervalMs: 60_000 });
    expect(await laneTotals()).toEqual({ count: 2400, cents: 2400 * 1000 });
    // 3 batches (1,200 prices) reach the limit, then the other 3: two flushes, two checkpoints.
    expect((await analytics.replica.replicationCheckpoint())?.version).toBe(2);
  });

  it('copies a batch larger than a flush in slices, between whole smaller batches, each once', async () => {
    await submit([1, 2]);
    const large = await submit(Array.from({ length: 25 }, (_, i) => 100 + i));
    await submit([3]);
    const replicated: number[] = [];
    await replicateUntilCaughtUp(
      { ...FAST, flushMaxPrices: 20, batchSlicePrices: 10 },
      { ...UNOBSERVED_REPLICATOR_EVENTS, pricesReplicated: (count) => replicated.push(count) },
    );
    // 1 + 2 + 3 + (100 + … + 124) = 6 + 2,800 dollars
    expect(await laneTotals()).toEqual({ count: 28, cents: 280_600 });
    // Every copied price is reported (rateline_prices_replicated_total), the slices too: 2, 10 + 10 + 5, 1.
    expect(replicated.filter((count) => count > 0)).toEqual([2, 10, 10, 5, 1]);
    expect(await analytics.replica.replicatedThrough([large.id])).toEqual(new Map([[large.id, 24]]));
    // The small batch before it flushed first, then the large one in three INSERTs, then the last one.
    expect((await analytics.replica.replicationCheckpoint())?.position).toBe('3');
  });

  it('resumes a large batch cut short by a crash after the last item the replica holds', async () => {
    const large = await submit(Array.from({ length: 25 }, (_, i) => 100 + i));
    // The crash: the batch was recorded as being copied, its first slice (items 0-9) reached the
    // replica, nothing after it, no checkpoint.
    const firstSlice = await operational.batches.pricesOf(large.id, null, 10);
    await analytics.replica.recordBatchStates([{ batchId: large.id, state: 'copying' }], 1);
    await analytics.replica.applyChanges({
      batches: [{ batchId: large.id, prices: firstSlice }],
      retractedBatchIds: [],
    });
    await replicateUntilCaughtUp({ ...FAST, flushMaxPrices: 20, batchSlicePrices: 10 });
    expect(await laneTotals()).toEqual({ count: 25, cents: 280_000 });
    expect((await operational.batches.byIds([large.id]))[0]?.replicatedAt).toBeInstanceOf(Date);
  });

  it('counts a sliced batch once after a crash between its slices, and again after a replay of the whole feed', async () => {
    await submit([1, 2]);
    const large = await submit(Array.from({ length: 25 }, (_, i) => 100 + i));
    await submit([3]);
    const options = { ...FAST, flushMaxPrices: 20, batchSlicePrices: 10 };
    // Calls: the first small batch's flush, then the large batch's slices; the second slice lands and
    // then fails, as a crash between the second and the third slice would.
    const injected = failingOnce(analytics.replica, 'applyChanges', 3, 'after');
    await replicateUntilCaughtUp(options, undefined, { operational, replica: injected.port });
    expect(injected.failures()).toBe(1);
    expect(await laneTotals()).toEqual({ count: 28, cents: 280_600 });
    expect(await analytics.replica.replicatedThrough([large.id])).toEqual(new Map([[large.id, 24]]));
    await replayFromTheStart();
    await replicateUntilCaughtUp(options);
    expect(await laneTotals()).toEqual({ count: 28, cents: 280_600 });
  });

  it('upgrades a replica filled before batch states were recorded without counting anything twice', async () => {
    for (let i = 0; i < 3; i++) await submit(Array.from({ length: 400 }, () => 10));
    const smallFlushes = { ...FAST, flushMaxPrices: 1000, batchSlicePrices: 500 };
    await replicateUntilCaughtUp(smallFlushes);
    const large = await submit(Array.from({ length: 1200 }, () => 20));
    // An earlier version cut the large batch short after its first slice (items 0-499)...
    const firstSlice = await operational.batches.pricesOf(large.id, null, 500);
    await analytics.replica.applyChanges({
      batches: [{ batchId: large.id, prices: firstSlice }],
      retractedBatchIds: [],
    });
    // ...and recorded no batch state at all: the schema as it was before migration 3.
    const client = openChdbClient(stores.dataDir);
    try {
      await client.command({ query: 'DROP TABLE rateline.replica_batches' });
      // Versions after 3 go too, so that the store migrates from 2 again (versions 4 and 5 only repeat themselves).
      await client.command({ query: 'DELETE FROM rateline.schema_migrations WHERE version >= 3' });
    } finally {
      await client.close();
    }
    await analytics.close();
    analytics = await openChdbStore(stores.dataDir);
    stores = { ...stores, analytics };
    await replayFromTheStart();
    await replicateUntilCaughtUp(smallFlushes);
    expect(await laneTotals()).toEqual({ count: 2400, cents: 1200 * 1000 + 1200 * 2000 });
  });

  it('lets one of two replicators on the same replica write; the other stands by and takes over', async () => {
    const first = newReplicator(operational, analytics.replica, FAST);
    const second = newReplicator(operational, analytics.replica, FAST);
    first.start();
    await submit([100]);
    await first.caughtUp(30_000);
    second.start();
    for (let i = 0; i < 5; i++) await submit([100]);
    await first.caughtUp(30_000);
    expect(await laneTotals()).toEqual({ count: 6, cents: 60_000 });
    // The holder stops (releasing its lease); the one standing by carries on with new batches.
    await first.stop();
    await submit([100]);
    await second.caughtUp(30_000);
    await second.stop();
    expect(await laneTotals()).toEqual({ count: 7, cents: 70_000 });
  });

  it('takes over at once the lease of a replicator process of this host that died', async () => {
    await submit([100]);
    const replicaId = await analytics.replica.replicaId();
    const deadHolder = `${os.hostname()}/${await exitedPid()}/killed`;
    const hour = 3_600_000;
    expect(await operational.replicationLeases.acquire(replicaId, deadHolder, hour, new Date())).toBe(true);
    // A live holder elsewhere is respected: nothing is taken over before its lease ends.
    const liveHolder = `some-other-host/1/alive`;
    await replicateUntilCaughtUp({ ...FAST, leaseTtlMs: hour });
    expect(await laneTotals()).toEqual({ count: 1, cents: 10_000 });
    await operational.replicationLeases.release(replicaId, (await operational.replicationLeases.holder(replicaId))!);
    expect(await operational.replicationLeases.acquire(replicaId, liveHolder, hour, new Date())).toBe(true);
    await submit([200]);
    const blocked = newReplicator(operational, analytics.replica, { ...FAST, leaseTtlMs: hour });
    blocked.start();
    await expect(blocked.caughtUp(500)).rejects.toThrow(/did not catch up/);
    await blocked.stop();
    expect(await laneTotals()).toEqual({ count: 1, cents: 10_000 });
  });

  it('is caught up once every change made before the call is applied, whatever arrived since', async () => {
    const idle = newReplicator(operational, analytics.replica, FAST);
    await submit([100]);
    // Nothing replicates: the change made before the call never gets applied.
    await expect(idle.caughtUp(300)).rejects.toThrow(/did not catch up within 300 ms/);
    await replicateUntilCaughtUp();
    // A change stamped after the call (as one committed meanwhile through another process would be)
    // does not hold the caller back.
    const later = new Date(Date.now() + 60_000);
    await operational.batches.record({
      id: 'later-batch',
      owner: null,
      idempotencyKey: 'later',
      skipInvalid: false,
      requestHash: 'later',
      status: 'ACCEPTED',
      itemCount: 0,
      errors: [],
      createdAt: later,
      prices: [],
    });
    expect((await new ReplicationMonitor(operational.changeFeed, analytics.replica).status()).pendingChanges).toBe(1);
    await expect(idle.caughtUp(300)).resolves.toBeUndefined();
  });

  it('reports the backlog while nothing replicates', async () => {
    await submit([100]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const status = await new ReplicationMonitor(operational.changeFeed, analytics.replica).status();
    expect(status.pendingChanges).toBe(1);
    expect(status.lagMs).toBeGreaterThanOrEqual(20);
    expect(status.lastAppliedAt).toBeNull();
  });
});
