/**
 * The Mongo adapter against a real server speaking MongoDB's wire protocol: always FerretDB 1.24
 * (started here; the tests fail when it is not installed), and in addition the server MONGODB_URI
 * names, if any. FerretDB has no change streams, so the change-feed tests run only against a replica
 * set (a MONGODB_URI with `replicaSet=`, or a `mongodb+srv://` one).
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { NewBatch } from '../../../../src/domain/batch';
import { MongoOperationalStore } from '../../../../src/stores/operational';
import {
  INLINE_ERRORS_MAX_BYTES,
  claimOf,
  priceIdRange,
  toPriceDocument,
  type BatchDocument,
  type IdempotencyKeyDocument,
  type PriceDocument,
} from '../../../../src/stores/operational/mongodb/documents';
import { startFerretDb, type RunningFerretDb } from '../../../helpers/ferretdb';
import {
  describeOperationalStoreContract,
  sampleBatch,
  type ChangeFeedAvailability,
  type OpenedStore,
} from '../operational-store-contract';

const NO_CHANGE_STREAMS =
  'needs a MongoDB replica set (FerretDB 1.24 has no change streams); set MONGODB_URI to one, with replicaSet=';

let ferret: RunningFerretDb | undefined;
beforeAll(async () => {
  ferret = await startFerretDb();
});
afterAll(async () => {
  await ferret?.stop();
});

function ferretUri(): string {
  if (!ferret) throw new Error('FerretDB did not start (see the error of beforeAll above)');
  return ferret.uri;
}

/** A fresh database per test on the given server, dropped afterwards. */
async function openFresh(uri: string): Promise<OpenedStore & { store: MongoOperationalStore; database: string }> {
  const database = `rateline_test_${randomUUID().replaceAll('-', '')}`;
  const store = await MongoOperationalStore.open({
    uri,
    database,
    clientOptions: { serverSelectionTimeoutMS: 5000 },
    changeStreamAwaitMs: 100,
    snapshotPageSize: 2,
  });
  return {
    store,
    database,
    async dispose() {
      await store.close();
      const client = new MongoClient(uri);
      try {
        await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

describe('on FerretDB 1.24', () => {
  describeOperationalStoreContract('MongoOperationalStore', () => openFresh(ferretUri()), {
    available: false,
    reason: NO_CHANGE_STREAMS,
  });

  describe('MongoOperationalStore: commit marker and idempotency', () => {
    let opened: Awaited<ReturnType<typeof openFresh>>;
    let client: MongoClient;

    beforeEach(async () => {
      opened = await openFresh(ferretUri());
      client = new MongoClient(ferretUri());
    });
    afterEach(async () => {
      await client.close();
      await opened.dispose();
    });

    const db = () => client.db(opened.database);
    const storedPrices = (batchId: string) =>
      db()
        .collection<PriceDocument>('prices')
        .countDocuments({ _id: priceIdRange(batchId) });

    /** What a process that crashed mid-write leaves: the key claimed, some prices, no batch document. */
    async function crashedAttempt(batch: NewBatch, pricesWritten: number): Promise<void> {
      await db().collection<IdempotencyKeyDocument>('idempotency_keys').insertOne(claimOf(batch));
      const written = batch.prices.slice(0, pricesWritten).map((p) => toPriceDocument(batch.id, p));
      if (written.length > 0) await db().collection<PriceDocument>('prices').insertMany(written);
    }

    it('completes an interrupted write exactly once, under the first attempt’s id and time', async () => {
      const batch = sampleBatch({}, 25);
      await crashedAttempt(batch, 10);
      expect(await storedPrices(batch.id)).toBe(10);
      // Until its batch document exists the batch is nowhere to be seen.
      expect(await opened.store.batchesByIds([batch.id])).toEqual([undefined]);
      expect(await opened.store.batchByIdempotencyKey(batch.idempotencyKey)).toBeUndefined();
      expect((await opened.store.pricesOfBatches([batch.id])).get(batch.id)).toEqual([]);
      expect((await opened.store.listBatches(10, undefined)).batches).toEqual([]);
      expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });

      const retry = { ...batch, id: randomUUID(), createdAt: new Date() };
      const outcome = await opened.store.recordBatch(retry);
      expect(outcome.kind).toBe('created');
      expect(outcome.batch).toMatchObject({ id: batch.id, createdAt: batch.createdAt, acceptedCount: 25 });
      expect(await storedPrices(batch.id)).toBe(25);
      expect(await storedPrices(retry.id)).toBe(0);
      const prices = (await opened.store.pricesOfBatches([batch.id])).get(batch.id)!;
      expect(prices.map((p) => p.itemIndex)).toEqual(Array.from({ length: 25 }, (_, i) => i));

      expect(await opened.store.recordBatch({ ...batch, id: randomUUID() })).toEqual({
        kind: 'existing',
        batch: outcome.batch,
      });
      expect(await storedPrices(batch.id)).toBe(25);
      expect(await db().collection('batches').countDocuments()).toBe(1);
      expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: batch.createdAt });
    });

    it('refuses other content for a key whose first attempt never finished, and does not finish it', async () => {
      const batch = sampleBatch({}, 5);
      await crashedAttempt(batch, 2);
      const other = sampleBatch({ idempotencyKey: batch.idempotencyKey }, 3);
      const outcome = await opened.store.recordBatch(other);
      expect(outcome.kind).toBe('conflict');
      expect(outcome.batch).toMatchObject({ id: batch.id, idempotencyKey: batch.idempotencyKey });
      expect(await opened.store.batchesByIds([batch.id, other.id])).toEqual([undefined, undefined]);
      expect(await storedPrices(other.id)).toBe(0);
    });

    it('lets one of two concurrent attempts with the same key and content commit; the other answers it', async () => {
      const batch = sampleBatch({}, 30);
      const outcomes = await Promise.all([
        opened.store.recordBatch(batch),
        opened.store.recordBatch({ ...batch, id: randomUUID() }),
      ]);
      expect(outcomes.map((o) => o.kind).sort()).toEqual(['created', 'existing']);
      expect(outcomes[0].batch).toEqual(outcomes[1].batch);
      expect(await db().collection('batches').countDocuments()).toBe(1);
      expect(await storedPrices(outcomes[0].batch.id)).toBe(30);
    });

    it('writes large batches in chunks and keeps very long item errors (compressed) intact', async () => {
      const chunked = await MongoOperationalStore.open({
        uri: ferretUri(),
        database: opened.database,
        priceChunkSize: 7,
        priceWriteConcurrency: 3,
      });
      try {
        const errors = Array.from({ length: 9000 }, (_, index) => ({
          index,
          field: 'currency',
          code: 'UNSUPPORTED_CURRENCY' as const,
          message: `currency ${'X'.repeat(80)} is not supported`,
          value: `X${index}`,
        }));
        expect(Buffer.byteLength(JSON.stringify(errors))).toBeGreaterThan(INLINE_ERRORS_MAX_BYTES);
        const batch = sampleBatch({ errors, itemCount: 9050 }, 50);
        await chunked.recordBatch(batch);
        const [found] = await chunked.batchesByIds([batch.id]);
        expect(found?.errors).toEqual(errors);
        expect((await chunked.pricesOfBatches([batch.id])).get(batch.id)).toHaveLength(50);
        const raw = await db().collection<BatchDocument>('batches').findOne({ _id: batch.id });
        expect(raw?.errors).toBeUndefined();
        expect(raw?.errorsGz).toBeDefined();
      } finally {
        await chunked.close();
      }
    });

    it('opens an existing database again without changing it', async () => {
      const batch = sampleBatch();
      await opened.store.recordBatch(batch);
      const again = await MongoOperationalStore.open({ uri: ferretUri(), database: opened.database });
      try {
        expect((await again.batchesByIds([batch.id]))[0]?.id).toBe(batch.id);
      } finally {
        await again.close();
      }
    });

    it('says that the change feed needs a replica set', async () => {
      await expect(opened.store.changeFeed.follow(null)).rejects.toThrow(/replica set/);
    });

    it('restarts a follower whose position it did not make', async () => {
      await expect(opened.store.changeFeed.follow('42')).rejects.toHaveProperty('name', 'FeedRestartRequired');
      // The backlog is answered from state, so a foreign position changes nothing there.
      await expect(opened.store.changeFeed.backlog('not json')).resolves.toEqual(
        await opened.store.changeFeed.backlog(null),
      );
    });
  });
});

const mongodbUri = process.env.MONGODB_URI;
const namesReplicaSet = (uri: string) => /[?&]replicaSet=/.test(uri) || uri.startsWith('mongodb+srv://');

if (mongodbUri) {
  const feed: ChangeFeedAvailability = namesReplicaSet(mongodbUri)
    ? { available: true }
    : { available: false, reason: NO_CHANGE_STREAMS };
  describe('on MONGODB_URI', () => {
    describeOperationalStoreContract('MongoOperationalStore', () => openFresh(mongodbUri), feed);
  });
}
