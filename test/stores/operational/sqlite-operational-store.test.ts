import { readReferenceDataset } from '../../../src/reference-data';
import { SqliteOperationalStore } from '../../../src/stores/operational';
import { removeDataDir, temporaryDataDir } from '../../helpers/components';
import { describeOperationalStoreContract, sampleBatch } from './operational-store-contract';

// A short poll keeps the change-feed tests' waits close to what they measure.
const open = (dataDir: string) => SqliteOperationalStore.open(dataDir, 10);

describeOperationalStoreContract(
  'SqliteOperationalStore',
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

describe('SqliteOperationalStore: on its file', () => {
  let dataDir: string;
  let store: SqliteOperationalStore;

  beforeEach(async () => {
    dataDir = temporaryDataDir();
    store = open(dataDir);
    await store.upsertReferenceData(readReferenceDataset());
  });
  afterEach(async () => {
    await store.close();
    removeDataDir(dataDir);
  });

  it('refuses a dangling region through its foreign keys', async () => {
    await expect(
      store.upsertReferenceData({
        regions: [],
        ports: [{ code: 'ZZZZZ', name: 'Nowhere', regionSlug: 'no_such_region' }],
      }),
      // better-sqlite3 builds its errors outside jest's sandbox, so `toThrow` would not see an Error.
    ).rejects.toHaveProperty('message', expect.stringMatching(/FOREIGN KEY/));
  });

  it('keeps its data, batches and change log across a reopen', async () => {
    const batch = sampleBatch();
    await store.recordBatch(batch);
    await store.close();
    store = open(dataDir);
    expect(await store.referenceDataCounts()).toEqual({ regions: 20, ports: 143 });
    expect((await store.batchesByIds([batch.id]))[0]?.id).toBe(batch.id);
    expect(await store.pricesOfBatch(batch.id, -1, 1_000_000)).toHaveLength(batch.prices.length);
    expect(await store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: batch.createdAt });
  });

  it('writes a batch all at once: a failing price leaves neither the batch nor its key behind', async () => {
    const batch = sampleBatch();
    const broken = { ...batch, prices: [...batch.prices, batch.prices[0]!] };
    await expect(store.recordBatch(broken)).rejects.toHaveProperty('message', expect.stringMatching(/UNIQUE/));
    expect(await store.batchesByIds([batch.id])).toEqual([undefined]);
    expect(await store.batchByIdempotencyKey(batch.idempotencyKey)).toBeUndefined();
    expect(await store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
    expect((await store.recordBatch(batch)).kind).toBe('created');
  });

  it('restarts a follower whose position is not a change-log sequence', async () => {
    // The async wrapper turns a synchronous throw into the rejection callers await.
    await expect((async () => store.changeFeed.follow('{"resumeAfter":{"_data":"82"}}'))()).rejects.toHaveProperty(
      'name',
      'FeedRestartRequired',
    );
  });
});
