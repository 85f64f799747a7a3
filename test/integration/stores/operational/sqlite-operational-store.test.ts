import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { readReferenceDataset } from '../../../../src/reference-data';
import { SCHEMA_STEPS } from '../../../../src/stores/operational/sqlite/schema';
import {
  isSqliteUnavailable,
  openSqliteOperationalStore,
  type OperationalStore,
} from '../../../../src/stores/operational';
import { removeDataDir, temporaryDataDir } from '../../../helpers/components';
import { describeOperationalStoreContract, sampleBatch } from './operational-store-contract';

// A short poll keeps the change-feed tests' waits close to what they measure.
const open = (dataDir: string) => openSqliteOperationalStore({ dataDir, changeFeedPollMs: 10 });

describeOperationalStoreContract(
  'SQLite',
  () => {
    const dataDir = temporaryDataDir();
    const store = open(dataDir);
    return Promise.resolve({
      store,
      async dispose() {
        await store.close();
        removeDataDir(dataDir);
      },
    });
  },
  { available: true },
);

describe('OperationalStore: on its file', () => {
  let dataDir: string;
  let store: OperationalStore;

  beforeEach(async () => {
    dataDir = temporaryDataDir();
    store = open(dataDir);
    await store.referenceData.upsert(readReferenceDataset());
  });
  afterEach(async () => {
    await store.close();
    removeDataDir(dataDir);
  });

  it('refuses a dangling region through its foreign keys', async () => {
    await expect(
      store.referenceData.upsert({
        regions: [],
        ports: [{ code: 'ZZZZZ', name: 'Nowhere', regionSlug: 'no_such_region' }],
      }),
      // better-sqlite3 builds its errors outside jest's sandbox, so `toThrow` would not see an Error.
    ).rejects.toHaveProperty('message', expect.stringMatching(/FOREIGN KEY/));
  });

  it('keeps its data, batches and change log across a reopen', async () => {
    const batch = sampleBatch();
    await store.batches.record(batch);
    await store.close();
    store = open(dataDir);
    expect(await store.referenceData.counts()).toEqual({ regions: 20, ports: 143 });
    expect((await store.batches.byIds([batch.id]))[0]?.id).toBe(batch.id);
    expect(await store.batches.pricesOf(batch.id, null, 1_000_000)).toHaveLength(batch.prices.length);
    expect(await store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: batch.createdAt });
  });

  it('writes a batch all at once: a failing price leaves neither the batch nor its key behind', async () => {
    const batch = sampleBatch();
    const broken = { ...batch, prices: [...batch.prices, batch.prices[0]!] };
    await expect(store.batches.record(broken)).rejects.toHaveProperty('message', expect.stringMatching(/UNIQUE/));
    expect(await store.batches.byIds([batch.id])).toEqual([undefined]);
    expect(await store.batches.byIdempotencyKey(batch.owner, batch.idempotencyKey)).toBeUndefined();
    expect(await store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
    expect((await store.batches.record(batch)).kind).toBe('created');
  });

  it('records whole batches on its write thread while the main connection keeps answering', async () => {
    const batches = Array.from({ length: 4 }, () => sampleBatch({}, 20_000));
    const recorded = Promise.all(batches.map((batch) => store.batches.record(batch)));
    // The event loop is free while the thread inserts: a read on the main connection answers meanwhile.
    let readsMeanwhile = 0;
    let done = false;
    void recorded.finally(() => (done = true));
    while (!done) {
      await store.referenceData.counts();
      readsMeanwhile += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await recorded).map((outcome) => outcome.kind)).toEqual(['created', 'created', 'created', 'created']);
    expect(readsMeanwhile).toBeGreaterThan(1);
    // Written on the thread's connection, read at once on the main one, dates as this realm's Dates.
    const [first] = await store.batches.byIds([batches[0]!.id]);
    expect(first?.createdAt).toEqual(batches[0]!.createdAt);
    expect((await recorded)[0]!.batch.createdAt).toBeInstanceOf(Date);
    expect(await store.batches.pricesOf(batches[3]!.id, null, 100_000)).toHaveLength(20_000);
    expect(await store.changeFeed.backlog(null)).toMatchObject({ changes: 4 });
  });

  it("lets the main connection's writes wait their turn behind the write thread's batches, not fail for its lock", async () => {
    await store.close();
    // A busy timeout far shorter than one batch's insert: the main connection must never need it.
    store = openSqliteOperationalStore({ dataDir, changeFeedPollMs: 10, busyTimeoutMs: 10 });
    const batches = Array.from({ length: 3 }, () => sampleBatch({}, 100_000));
    const recorded = Promise.all(batches.map((batch) => store.batches.record(batch)));
    await writeLockTakenByAnother(path.join(dataDir, 'operational.sqlite'));
    // The writes the batch worker and the replicator make while the thread inserts (seen failing with
    // "database is locked" after the busy timeout, the thread taking the lock again and again).
    const claimed = store.batchWork.claim('worker-1', 60_000, new Date());
    const leased = store.replicationLeases.acquire('replica-1', 'replicator-1', 60_000, new Date());
    await expect(claimed).resolves.toBeUndefined();
    await expect(leased).resolves.toBe(true);
    expect((await recorded).map((outcome) => outcome.kind)).toEqual(['created', 'created', 'created']);
  });

  it("answers a batch the thread could not write with SQLite's code: unavailable while the file is locked", async () => {
    await store.close();
    store = openSqliteOperationalStore({ dataDir, changeFeedPollMs: 10, busyTimeoutMs: 100 });
    const other = new BetterSqlite3(path.join(dataDir, 'operational.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    const batch = sampleBatch();
    try {
      // The thread waits the store's busy timeout for the lock, then gives up.
      const error = await store.batches.record(batch).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(isSqliteUnavailable(error)).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.batches.byIds([batch.id])).toEqual([undefined]);
    expect((await store.batches.record(batch)).kind).toBe('created');
  });

  it('restarts a follower whose position is not a change-log sequence', async () => {
    // The async wrapper turns a synchronous throw into the rejection callers await.
    await expect((async () => store.changeFeed.follow('{"resumeAfter":{"_data":"82"}}'))()).rejects.toHaveProperty(
      'name',
      'FeedRestartRequired',
    );
  });

  it('brings a file of schema version 2 (before chunked batches) up to date, keeping every batch', async () => {
    await store.close();
    const dir = temporaryDataDir();
    try {
      const db = new BetterSqlite3(path.join(dir, 'operational.sqlite'));
      SCHEMA_STEPS.slice(0, 2).forEach((step) => db.exec(step));
      db.pragma('user_version = 2');
      db.exec(
        `INSERT INTO regions VALUES ('asia', 'Asia', NULL); INSERT INTO ports VALUES ('CNSGH', 'Shanghai', 'asia');`,
      );
      const errors = JSON.stringify([{ index: 2, field: 'price', code: 'BAD_USER_INPUT', message: 'm', value: -1 }]);
      db.prepare(
        `INSERT INTO batches VALUES ('b-old', 'k-old', 'h', 'ACCEPTED', 3, 2, ?, 1000, NULL, 2000, NULL),
                                    ('b-clean', 'k-clean', 'h', 'RETRACTED', 1, 1, '[]', 1500, 1600, 1700, NULL)`,
      ).run(errors);
      db.exec(`INSERT INTO prices VALUES ('b-old', 0, 'CNSGH', 'CNSGH', 16800, 100, 'USD', 100),
                                         ('b-old', 1, 'CNSGH', 'CNSGH', 16801, 200, 'USD', 200);
               INSERT INTO change_log (kind, batch_id, at) VALUES ('committed', 'b-old', 1000)`);
      db.close();

      store = open(dir);
      const [old, clean] = await store.batches.byIds(['b-old', 'b-clean']);
      expect(old).toMatchObject({
        // Recorded before owners: no supplier's (only an admin sees it).
        owner: null,
        status: 'ACCEPTED',
        skipInvalid: true,
        itemCount: 3,
        chunkCount: 0,
        processedCount: 3,
        acceptedCount: 2,
        rejectedCount: 1,
        errorCount: 1,
        openUntil: null,
        replicatedAt: new Date(2000),
      });
      expect(clean).toMatchObject({
        owner: null,
        status: 'RETRACTED',
        skipInvalid: false,
        errorCount: 0,
        retractedAt: new Date(1600),
      });
      expect((await store.batches.pricesOf('b-old', null, 10)).map((p) => p.usdCents)).toEqual([100, 200]);
      expect((await store.batches.byIdempotencyKey(null, 'k-old'))?.id).toBe('b-old');
      expect(await store.batches.byIdempotencyKey('supplier-a', 'k-old')).toBeUndefined();
      expect(await store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: new Date(1000) });
      await store.close();
      // The rebuilt table still anchors the prices' and the change log's foreign keys.
      const check = new BetterSqlite3(path.join(dir, 'operational.sqlite'));
      expect(check.pragma('foreign_key_check')).toEqual([]);
      expect(check.pragma('foreign_key_list(prices)')).toEqual([expect.objectContaining({ table: 'batches' })]);
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_STEPS.length);
      check.close();
    } finally {
      removeDataDir(dir);
      store = open(dataDir);
    }
  });
});

/** Resolves once another connection holds the file's write lock (a connection that does not wait sees it refused). */
async function writeLockTakenByAnother(file: string): Promise<void> {
  const probe = new BetterSqlite3(file, { timeout: 0 });
  try {
    for (;;) {
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
      } catch (error) {
        if (isSqliteUnavailable(error)) return;
        throw error;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    probe.close();
  }
}
