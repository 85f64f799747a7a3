/**
 * Retention over the embedded stores (SQLite, chDB replicas of several nodes taking turns, see
 * test/helpers/retention.ts), with the real replicator, retention job and export/import: prices leave
 * the operational store only once every replica holds them and the retention has passed; analytics keep
 * counting them; a retraction still removes them; a new replica is refused until it is bootstrapped
 * from another's export, and then answers as that one does. On SQLite always; on MongoDB where
 * MONGODB_URI names a replica set or a sharded cluster (the replicator needs its change streams, which
 * FerretDB lacks: the adapter's own retention tests run on FerretDB in its contract suite).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RatelineError } from '../../../src/domain/errors';
import type { IngestService } from '../../../src/ingest';
import { exportReplica, importReplica, Replicator } from '../../../src/replication';
import type { AnalyticsStore } from '../../../src/stores/analytics';
import type { OperationalStore } from '../../../src/stores/operational';
import { openFreshMongoStore } from '../../helpers/mongodb';
import { TEST_ADMIN, TEST_SUPPLIER } from '../../helpers/batch-actors';
import {
  captureLog,
  ingestFor,
  openSqliteStore,
  removeDataDir,
  silentLog,
  temporaryDataDir,
} from '../../helpers/components';
import { FAST_REPLICATOR_OPTIONS, UNOBSERVED_REPLICATOR_EVENTS } from '../../helpers/replication';
import {
  countingRetentionEvents,
  HOUR_MS,
  laneDayTotals,
  newRetentionJob,
  openNodeReplica,
  pastTheRetention,
  priceBatchInput,
  replicateUntilCaughtUp,
  submitPrices,
} from '../../helpers/retention';
import { readReferenceDataset } from '../../../src/reference-data';

let dataDir: string;
let operational: OperationalStore;
let ingest: IngestService;
let open: AnalyticsStore | undefined;

/** Opens the adapter's operational store for one test, and what removes it afterwards. */
type OpenOperational = (dataDir: string) => Promise<{ store: OperationalStore; dispose(): Promise<void> }>;

const sqlite: OpenOperational = (dir) => {
  const store = openSqliteStore(dir);
  return Promise.resolve({ store, dispose: () => store.close() });
};

const mongodb =
  (uri: string): OpenOperational =>
  () =>
    openFreshMongoStore(uri, { changeStreamAwaitMs: 100 });

describeRetention('SQLite', sqlite);
const mongodbUri = process.env.MONGODB_URI;
if (mongodbUri) describeRetention('MongoDB (MONGODB_URI)', mongodb(mongodbUri));
else {
  describe.skip('Retention on MongoDB (skipped: the replicator needs change streams, which FerretDB 1.24 lacks; set MONGODB_URI to a replica set or a sharded cluster)', () => {
    it('runs every retention test above on MongoDB', () => undefined);
  });
}

function describeRetention(adapter: string, openOperational: OpenOperational): void {
  describe(`Retention on ${adapter}`, () => {
    let opened: { store: OperationalStore; dispose(): Promise<void> };
    beforeEach(async () => {
      dataDir = temporaryDataDir();
      opened = await openOperational(dataDir);
      operational = opened.store;
      await operational.referenceData.upsert(readReferenceDataset());
      ingest = ingestFor(operational);
    });
    afterEach(async () => {
      await open?.close();
      open = undefined;
      await opened.dispose();
      removeDataDir(dataDir);
    });

    it('keeps the store bounded while batches keep arriving; analytics keep counting every price', async () => {
      const job = newRetentionJob(operational);
      const a = await node('a');
      let submitted = 0;
      for (let round = 0; round < 6; round += 1) {
        await submitPrices(ingest, 40, 1000 + round);
        submitted += 40;
        await replicateUntilCaughtUp(operational, a);
        // Within the retention nothing goes, however often the job runs.
        expect((await job.runOnce()).prunedBatches).toBe(0);
        await job.runOnce(pastTheRetention());
        // Only the batches not yet counted (none) would stay: the store holds no price, whatever came before.
        expect(await operational.retention.priceCount()).toBe(0);
      }
      const totals = await laneDayTotals(a);
      const counted = totals.reduce((sum, row) => sum + Number(row.split(': ')[1]!.split(' ')[0]), 0);
      expect(counted).toBe(submitted);
    });

    it('removes nothing that is not replicated, or within the window, and keeps batch(id) and idempotent retries', async () => {
      const events = countingRetentionEvents();
      const job = newRetentionJob(operational, events);
      const a = await node('a');
      const oldInput = priceBatchInput(30);
      const old = await ingest.submitPriceBatch(TEST_SUPPLIER, oldInput);
      await replicateUntilCaughtUp(operational, a);
      const unreplicated = await submitPrices(ingest, 20);

      const round = await job.runOnce(pastTheRetention());
      expect(round).toEqual({ retiredReplicas: [], prunedBatches: 1, removedPrices: 30 });
      expect(events).toMatchObject({ removed: 30, pruned: 1 });
      expect(await pricesOf(old.id)).toBe(0);
      expect(await pricesOf(unreplicated.id)).toBe(20);

      // Counted just now: within the retention window, it stays.
      await replicateUntilCaughtUp(operational, a);
      expect((await job.runOnce()).prunedBatches).toBe(0);
      expect(await pricesOf(unreplicated.id)).toBe(20);

      const [record] = await operational.batches.byIds([old.id]);
      expect(record).toMatchObject({
        id: old.id,
        status: 'ACCEPTED',
        acceptedCount: 30,
        replicatedAt: expect.any(Date),
      });
      // A retry of the same request answers the batch it recorded, its prices gone or not.
      const retried = await ingest.submitPriceBatch(TEST_SUPPLIER, oldInput);
      expect(retried).toMatchObject({ id: old.id, acceptedCount: 30 });
      expect(await pricesOf(old.id)).toBe(0);
    });

    it('waits for a second node that lags: it removes only what both replicas applied', async () => {
      const job = newRetentionJob(operational);
      const first = await submitPrices(ingest, 10);
      await replicateUntilCaughtUp(operational, await node('b'));
      const second = await submitPrices(ingest, 10);
      await replicateUntilCaughtUp(operational, await node('a'));
      // Node b holds the first batch only.
      await job.runOnce(pastTheRetention());
      expect(await pricesOf(first.id)).toBe(0);
      expect(await pricesOf(second.id)).toBe(10);

      const b = await node('b');
      await replicateUntilCaughtUp(operational, b);
      await job.runOnce(pastTheRetention());
      expect(await pricesOf(second.id)).toBe(0);
      const fromB = await laneDayTotals(b);
      expect(fromB).toEqual(await laneDayTotals(await node('a')));
      expect(fromB.length).toBeGreaterThan(0);
    });

    it('retracts a pruned batch from analytics, and refuses to restore it', async () => {
      const job = newRetentionJob(operational);
      const a = await node('a');
      const kept = await submitPrices(ingest, 10, 2000);
      const dropped = await submitPrices(ingest, 10, 5000);
      await replicateUntilCaughtUp(operational, a);
      const before = await laneDayTotals(a);
      await job.runOnce(pastTheRetention());
      expect((await pricesOf(kept.id)) + (await pricesOf(dropped.id))).toBe(0);

      await ingest.retractBatch(TEST_SUPPLIER, dropped.id);
      await replicateUntilCaughtUp(operational, a);
      const after = await laneDayTotals(a);
      expect(after).not.toEqual(before);
      // What is left is exactly the kept batch: 10 prices from 2000 cents... in dollars, 2000 + i.
      const cents = after.reduce((sum, row) => sum + Number(row.split(' ').at(-1)), 0);
      expect(cents).toBe(Array.from({ length: 10 }, (_, i) => (2000 + i) * 100).reduce((x, y) => x + y, 0));

      const restoring = ingest.restoreBatch(TEST_ADMIN, dropped.id);
      await expect(restoring).rejects.toBeInstanceOf(RatelineError);
      await expect(restoring).rejects.toMatchObject({ code: 'BATCH_PRICES_PRUNED' });
    });

    it('refuses a new empty replica after pruning, then bootstraps it from another replica’s export', async () => {
      const job = newRetentionJob(operational);
      await submitPrices(ingest, 24, 1500);
      await replicateUntilCaughtUp(operational, await node('a'));
      await job.runOnce(pastTheRetention());
      expect(await operational.retention.hasPruned()).toBe(true);

      // A fresh node: its replicator refuses, says what to run, and does not hold retention back.
      const captured = captureLog();
      const fresh = new Replicator(
        { operational, replica: (await node('c')).replica, log: captured.log, events: UNOBSERVED_REPLICATOR_EVENTS },
        FAST_REPLICATOR_OPTIONS,
      );
      fresh.start();
      await fresh.caughtUp(30_000);
      await fresh.stop();
      expect(fresh.refused()).toMatch(/analytics:export -- FILE.*analytics:import -- FILE/);
      expect(captured.lines().some((l) => l.level === 50 && String(l.msg).includes('refuses to replicate'))).toBe(true);
      expect(await laneDayTotals(open!)).toEqual([]);
      expect((await operational.replicas.replicas()).map((r) => r.replicaId)).toEqual([await replicaIdOf('a')]);

      // Export a, write more (the new replica must get it from the feed), import into a new node d.
      const file = path.join(dataDir, 'a.snapshot');
      const a = await node('a');
      const exported = await exportReplica(
        { operational, analytics: a, log: silentLog, leaseTtlMs: FAST_REPLICATOR_OPTIONS.leaseTtlMs },
        file,
      );
      expect(exported).toMatchObject({ prices: 24, sourceReplicaId: await a.replica.replicaId() });
      expect(fs.existsSync(`${file}.partial`)).toBe(false);
      const later = await submitPrices(ingest, 6, 9000);
      await replicateUntilCaughtUp(operational, a);
      // The replica-to-be is registered: what it has not applied stays.
      await job.runOnce(pastTheRetention());
      expect(await pricesOf(later.id)).toBe(6);

      const d = await node('d');
      const imported = await importReplica({ operational, analytics: d }, file);
      expect(imported.replicaId).toBe(exported.replicaId);
      expect(await d.replica.replicaId()).toBe(exported.replicaId);
      await replicateUntilCaughtUp(operational, d);
      const fromD = await laneDayTotals(d);
      await job.runOnce(pastTheRetention());
      expect(await pricesOf(later.id)).toBe(0);
      expect(fromD).toEqual(await laneDayTotals(await node('a')));
      expect(fromD.length).toBeGreaterThan(0);
      // Loaded once: a second import into a replica that follows the feed is refused.
      await expect(importReplica({ operational, analytics: await node('d') }, file)).rejects.toThrow(/not empty/);
    });

    it('retires a replica silent for longer than the retirement, and that replica then refuses to replicate', async () => {
      const captured = captureLog();
      const job = newRetentionJob(operational, countingRetentionEvents(), captured.log);
      await submitPrices(ingest, 8);
      await replicateUntilCaughtUp(operational, await node('b'));
      const b = await replicaIdOf('b');
      const batch = await submitPrices(ingest, 8);
      await replicateUntilCaughtUp(operational, await node('a'));
      await job.runOnce(pastTheRetention());
      expect(await pricesOf(batch.id)).toBe(8);

      // A day later node a has kept replicating (its replicator says so at every lease renewal); b has not.
      const dayLater = new Date(Date.now() + 25 * HOUR_MS);
      await operational.replicas.heartbeat(await replicaIdOf('a'), dayLater);
      const round = await job.runOnce(dayLater);
      expect(round.retiredReplicas).toEqual([b]);
      expect(await pricesOf(batch.id)).toBe(0);
      expect(captured.lines().some((l) => l.level === 40 && l.replicaId === b)).toBe(true);

      const comeBack = new Replicator(
        { operational, replica: (await node('b')).replica, log: silentLog, events: UNOBSERVED_REPLICATOR_EVENTS },
        FAST_REPLICATOR_OPTIONS,
      );
      comeBack.start();
      await comeBack.caughtUp(30_000);
      await comeBack.stop();
      expect(comeBack.refused()).toMatch(/was retired/);
    });
  });
}

/** Opens a node's replica, closing the one open before (one chDB directory per process). */
async function node(name: string): Promise<AnalyticsStore> {
  await open?.close();
  open = await openNodeReplica(dataDir, name);
  return open;
}

async function pricesOf(batchId: string): Promise<number> {
  return (await operational.batches.pricesOf(batchId, null, 100_000)).length;
}

async function replicaIdOf(name: string): Promise<string> {
  return (await node(name)).replica.replicaId();
}
