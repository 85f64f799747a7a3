/**
 * The Mongo adapter against a real server speaking MongoDB's wire protocol: always FerretDB 1.24
 * (started here; the tests fail when it is not installed), and in addition the server MONGODB_URI
 * names, if any. FerretDB has no change streams, so the change-feed tests run only against
 * MONGODB_URI, which must name a replica set or a sharded cluster's mongos (what Rateline runs on; a
 * standalone server fails them, saying it has no change streams):
 *
 *   MONGODB_URI='mongodb://user:pass@mongos-1:27017,mongos-2:27017/?authSource=admin' \
 *     npx jest test/integration/stores/operational/mongodb --runInBand
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Batch, ChunkOutcome, NewBatch, PriceRecord } from '../../../../../src/domain/batch';
import type { EpochDay } from '../../../../../src/domain/day';
import { openMongoOperationalStore } from '../../../../../src/stores/operational';
import { MongoBatchWork } from '../../../../../src/stores/operational/mongodb/batch-work';
import { BatchWrites } from '../../../../../src/stores/operational/mongodb/batch-writes';
import {
  BATCH_CHANGE_PIPELINE_VERSION,
  decodePosition,
  encodePosition,
  type FeedRestartReason,
} from '../../../../../src/stores/operational/mongodb/change-events';
import {
  INLINE_ERRORS_MAX_BYTES,
  batchDocumentOf,
  chunkIdRange,
  claimOf,
  collectionsOf,
  openClaimOf,
  priceIdRange,
  toPriceDocument,
  type BatchDocument,
  type ChunkDocument,
  type IdempotencyKeyDocument,
  type PriceDocument,
} from '../../../../../src/stores/operational/mongodb/documents';
import { startFerretDb, type RunningFerretDb } from '../../../../helpers/ferretdb';
import { openFreshMongoStore, type FreshMongoStore } from '../../../../helpers/mongodb';
import {
  describeOperationalStoreContract,
  sampleBatch,
  type ChangeFeedAvailability,
} from '../operational-store-contract';

const NO_CHANGE_STREAMS =
  'needs a MongoDB replica set or sharded cluster (FerretDB 1.24 has no change streams); set MONGODB_URI to one';

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
const openFresh = (uri: string): Promise<FreshMongoStore> =>
  openFreshMongoStore(uri, {
    clientOptions: { serverSelectionTimeoutMS: 5000 },
    changeStreamAwaitMs: 100,
    snapshotPageSize: 2,
  });

describe('on FerretDB 1.24', () => {
  describeOperationalStoreContract('MongoDB', () => openFresh(ferretUri()), {
    available: false,
    reason: NO_CHANGE_STREAMS,
  });

  describeMongoAdapter(ferretUri, 'ferretdb');
});

/**
 * What only the Mongo adapter does: its commit markers, idempotency without transactions and the crash
 * orders of chunked batches, on FerretDB and on MONGODB_URI's server.
 */
function describeMongoAdapter(uri: () => string, server: 'ferretdb' | 'mongodb'): void {
  describe('MongoDB adapter: commit marker and idempotency', () => {
    let opened: Awaited<ReturnType<typeof openFresh>>;
    let client: MongoClient;

    beforeEach(async () => {
      opened = await openFresh(uri());
      client = new MongoClient(uri());
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

    it('reads a claim and a batch written before owners as no supplier’s, under the bare key', async () => {
      const legacy = sampleBatch({ owner: null }, 2);
      const { owner: _owner, key: _key, ...oldClaim } = claimOf(legacy);
      const { owner: _docOwner, ...oldDocument } = batchDocumentOf(legacy, claimOf(legacy));
      await db().collection<IdempotencyKeyDocument>('idempotency_keys').insertOne(oldClaim);
      await db().collection<BatchDocument>('batches').insertOne(oldDocument);
      expect(oldClaim._id).toBe(legacy.idempotencyKey);
      expect(await opened.store.batches.byIdempotencyKey(null, legacy.idempotencyKey)).toMatchObject({
        id: legacy.id,
        owner: null,
      });
      expect(await opened.store.batches.byIdempotencyKey('supplier-a', legacy.idempotencyKey)).toBeUndefined();
      const suppliers = sampleBatch({ idempotencyKey: legacy.idempotencyKey }, 1);
      expect((await opened.store.batches.record(suppliers)).kind).toBe('created');
      expect(await opened.store.batches.record({ ...legacy, id: randomUUID() })).toMatchObject({
        kind: 'existing',
        batch: { id: legacy.id },
      });
    });

    it('completes an interrupted write exactly once, under the first attempt’s id and time', async () => {
      const batch = sampleBatch({}, 25);
      await crashedAttempt(batch, 10);
      expect(await storedPrices(batch.id)).toBe(10);
      // Until its batch document exists the batch is nowhere to be seen.
      expect(await opened.store.batches.byIds([batch.id])).toEqual([undefined]);
      expect(await opened.store.batches.byIdempotencyKey(batch.owner, batch.idempotencyKey)).toBeUndefined();
      expect(await opened.store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([]);
      expect((await opened.store.batches.page(10, undefined)).batches).toEqual([]);
      expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });

      const retry = { ...batch, id: randomUUID(), createdAt: new Date() };
      const outcome = await opened.store.batches.record(retry);
      expect(outcome.kind).toBe('created');
      expect(outcome.batch).toMatchObject({ id: batch.id, createdAt: batch.createdAt, acceptedCount: 25 });
      expect(await storedPrices(batch.id)).toBe(25);
      expect(await storedPrices(retry.id)).toBe(0);
      const prices = await opened.store.batches.pricesOf(batch.id, null, 1_000_000);
      expect(prices.map((p) => p.itemIndex)).toEqual(Array.from({ length: 25 }, (_, i) => i));

      expect(await opened.store.batches.record({ ...batch, id: randomUUID() })).toEqual({
        kind: 'existing',
        batch: outcome.batch,
      });
      expect(await storedPrices(batch.id)).toBe(25);
      expect(await db().collection('batches').countDocuments()).toBe(1);
      expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: batch.createdAt });
    });

    it('keeps exactly the prices of the attempt that completes an interrupted write', async () => {
      // The first attempt accepted items 0 and 1 and wrote their prices; by the retry an exchange rate
      // changed (item 0's value) and validation changed (item 1 refused, item 2 accepted).
      const first = sampleBatch({ itemCount: 3, errors: [] }, 2);
      await crashedAttempt(first, 2);
      const [item0, item1] = [...first.prices].sort((a, b) => a.itemIndex - b.itemIndex);
      const retried = { ...item0!, usdCents: item0!.usdCents + 7, usdPerUnit: '1.10000634' };
      const itemTwo = { ...item1!, itemIndex: 2, usdCents: 99_999 };
      const retry: NewBatch = {
        ...first,
        id: randomUUID(),
        prices: [itemTwo, retried],
        errors: [{ index: 1, field: 'originCode', code: 'UNKNOWN_LOCATION', message: 'gone', value: 'CNNGB' }],
      };
      const outcome = await opened.store.batches.record(retry);
      expect(outcome).toMatchObject({ kind: 'created', batch: { id: first.id, acceptedCount: 2 } });

      // What the replicator reads: at most acceptedCount prices from the start, in item order.
      expect(await opened.store.batches.pricesOf(first.id, null, 2)).toEqual([retried, itemTwo]);
      expect(await opened.store.batches.pricesOf(first.id, 0, 10)).toEqual([itemTwo]);
      expect(await opened.store.batches.pricesOf(first.id, null, 1_000_000)).toEqual([retried, itemTwo]);
      // The first attempt's prices are gone, not merely hidden.
      expect(await storedPrices(first.id)).toBe(2);
    });

    it('refuses other content for a key whose first attempt never finished, and does not finish it', async () => {
      const batch = sampleBatch({ skipInvalid: true }, 5);
      await crashedAttempt(batch, 2);
      const other = sampleBatch({ idempotencyKey: batch.idempotencyKey, skipInvalid: false }, 3);
      const outcome = await opened.store.batches.record(other);
      expect(outcome.kind).toBe('conflict');
      // Described from the claim, which carries what the first attempt was submitted with.
      expect(outcome.batch).toMatchObject({ id: batch.id, idempotencyKey: batch.idempotencyKey, skipInvalid: true });
      expect(await opened.store.batches.byIds([batch.id, other.id])).toEqual([undefined, undefined]);
      expect(await storedPrices(other.id)).toBe(0);
    });

    it('lets one of two concurrent attempts with the same key and content commit; the other answers it', async () => {
      const batch = sampleBatch({}, 30);
      const outcomes = await Promise.all([
        opened.store.batches.record(batch),
        opened.store.batches.record({ ...batch, id: randomUUID() }),
      ]);
      expect(outcomes.map((o) => o.kind).sort()).toEqual(['created', 'existing']);
      expect(outcomes[0].batch).toEqual(outcomes[1].batch);
      expect(await db().collection('batches').countDocuments()).toBe(1);
      expect(await storedPrices(outcomes[0].batch.id)).toBe(30);
    });

    it('writes large batches in chunks and keeps very long item errors (compressed) intact', async () => {
      const chunked = await openMongoOperationalStore({
        uri: uri(),
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
        await chunked.batches.record(batch);
        const [found] = await chunked.batches.byIds([batch.id]);
        expect(found?.errors).toEqual(errors);
        expect(await chunked.batches.pricesOf(batch.id, null, 1_000_000)).toHaveLength(50);
        const raw = await db().collection<BatchDocument>('batches').findOne({ _id: batch.id });
        expect(raw?.errors).toBeUndefined();
        expect(raw?.errorsGz).toBeDefined();
      } finally {
        await chunked.close();
      }
    });

    it('opens an existing database again without changing it', async () => {
      const batch = sampleBatch();
      await opened.store.batches.record(batch);
      const again = await openMongoOperationalStore({ uri: uri(), database: opened.database });
      try {
        expect((await again.batches.byIds([batch.id]))[0]?.id).toBe(batch.id);
      } finally {
        await again.close();
      }
    });

    it('reads a batch document written before chunked batches as a whole batch', async () => {
      // Such documents lack skipInvalid; it reads as guessed from their errors, as it was read then.
      const batch = sampleBatch({ skipInvalid: true });
      const { skipInvalid, chunkCount, processedCount, errorCount, openUntil, committedAt, ...legacy } =
        batchDocumentOf(batch, claimOf(batch));
      expect([skipInvalid, chunkCount, processedCount, errorCount, openUntil]).toEqual([true, 0, 13, 1, null]);
      expect(committedAt).toEqual(batch.createdAt);
      await db().collection<BatchDocument>('batches').insertOne(legacy);
      expect((await opened.store.batches.byIds([batch.id]))[0]).toMatchObject({
        skipInvalid,
        chunkCount,
        processedCount,
        rejectedCount: 1,
        errorCount,
        openUntil,
      });
      expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: batch.createdAt });
    });

    describe('chunked batches', () => {
      const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
      const chunk = (index: number, itemCount: number) => ({
        index,
        itemCount,
        contentHash: `hash-${index}-${itemCount}`,
        content: `content-${index}`,
      });
      const price = (itemIndex: number): PriceRecord => ({
        itemIndex,
        originCode: 'CNSGH',
        destinationCode: 'NLRTM',
        day: (16_800 + itemIndex) as EpochDay,
        usdCents: 100_000 + itemIndex,
        currency: 'USD',
        amountMinor: 100_000 + itemIndex,
        usdPerUnit: '1',
        containerType: null,
        contractTerm: null,
      });
      /** Chunk `chunkIndex`: `valid` prices from item `first` on, then `invalid` refused items. */
      const outcome = (chunkIndex: number, first: number, valid: number, invalid = 0): ChunkOutcome => ({
        chunkIndex,
        itemCount: valid + invalid,
        prices: Array.from({ length: valid }, (_, i) => price(first + i)),
        reportedErrors: Array.from({ length: invalid }, (_, i) => ({
          index: first + valid + i,
          field: 'day',
          code: 'BAD_USER_INPUT' as const,
          message: 'must be a calendar day',
          value: 'nope',
        })),
        errorCount: invalid,
      });
      const newOpenBatch = () => ({
        id: randomUUID(),
        owner: 'supplier-a',
        idempotencyKey: `chunked-${randomUUID()}`,
        requestHash: 'chunked-hash',
        skipInvalid: false,
        createdAt: t(0),
        openUntil: t(60_000),
      });
      const openedBatch = async (): Promise<Batch> => (await opened.store.chunkedBatches.open(newOpenBatch())).batch;
      /** Opened, with chunks of these sizes, committed. */
      const committedBatch = async (sizes: readonly number[]): Promise<Batch> => {
        const batch = await openedBatch();
        for (const [index, size] of sizes.entries())
          await opened.store.chunkedBatches.append(batch.id, chunk(index, size), 1e6);
        expect((await opened.store.chunkedBatches.commit(batch.id))?.kind).toBe('committed');
        return batch;
      };
      const rawBatch = async (id: string) => db().collection<BatchDocument>('batches').findOne({ _id: id });
      const rawChunks = (batchId: string) =>
        db()
          .collection<ChunkDocument>('batch_chunks')
          .find({ _id: chunkIdRange(batchId) })
          .toArray();

      it('keeps a chunked batch out of prices and the feed until the update that settles it', async () => {
        const batch = await committedBatch([2, 2]);
        await opened.store.batchWork.claim('alice', 60_000, t(1));
        expect(await opened.store.batchWork.recordChunk(batch.id, 'alice', outcome(0, 0, 2), t(100))).toBe(true);
        expect(await storedPrices(batch.id)).toBe(2);
        // Written, not committed: no reader of prices nor the backlog sees them yet.
        expect(await opened.store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([]);
        expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
        expect(await opened.store.batchWork.recordChunk(batch.id, 'alice', outcome(1, 2, 2), t(200))).toBe(true);
        await opened.store.batchWork.settle(batch.id, 'alice', 'ACCEPTED', t(300));
        expect(await rawBatch(batch.id)).toMatchObject({ status: 'ACCEPTED', committedAt: t(300), workHolder: null });
        expect(await opened.store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([0, 1, 2, 3].map(price));
        expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: t(300) });
        // The chunks lose their content but stay, so that a late retry is still a duplicate.
        expect((await rawChunks(batch.id)).map((c) => [c.firstItemIndex, c.content])).toEqual([
          [0, undefined],
          [2, undefined],
        ]);
        expect((await opened.store.chunkedBatches.append(batch.id, chunk(1, 2), 100))?.kind).toBe('duplicate');
      });

      it('completes a rejection interrupted between removing the prices and marking the batch', async () => {
        const batch = await committedBatch([3]);
        await opened.store.batchWork.claim('alice', 1000, t(0));
        await opened.store.batchWork.recordChunk(batch.id, 'alice', outcome(0, 0, 2, 1), t(100));
        // Alice removed the prices, then crashed before marking the batch REJECTED.
        await db()
          .collection<PriceDocument>('prices')
          .deleteMany({ _id: priceIdRange(batch.id) });
        expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
        const work = await opened.store.batchWork.claim('bob', 1000, t(100));
        // Every chunk is processed and the counts are unchanged: Bob decides as Alice did, and settles.
        expect(work).toMatchObject({ processedChunks: 1, batch: { chunkCount: 1, acceptedCount: 2, errorCount: 1 } });
        expect(await opened.store.batchWork.settle(batch.id, 'bob', 'REJECTED', t(200))).toMatchObject({
          status: 'REJECTED',
          acceptedCount: 0,
          processedCount: 3,
        });
        expect(await storedPrices(batch.id)).toBe(0);
        expect(await opened.store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: t(200) });
      });

      /** A worker whose price write is slow enough for the batch to be taken over and settled meanwhile. */
      const racingWorker = (meanwhile: () => Promise<void>) => {
        const collections = collectionsOf(db());
        const writes = new BatchWrites(collections, { priceChunkSize: 10_000, priceWriteConcurrency: 4 });
        return new MongoBatchWork(collections, {
          async writePrices(batchId, prices) {
            await meanwhile();
            await writes.writePrices(batchId, prices);
          },
          dropChunkContent: (batchId) => writes.dropChunkContent(batchId),
        });
      };

      it('fences a worker that lost its batch: it writes nothing, or what the new holder writes', async () => {
        const batch = await committedBatch([2]);
        await opened.store.batchWork.claim('alice', 1000, t(0));
        await opened.store.batchWork.claim('bob', 1000, t(1000));
        // Checked before writing: nothing written.
        expect(await opened.store.batchWork.recordChunk(batch.id, 'alice', outcome(0, 0, 2), t(1500))).toBe(false);
        expect(await storedPrices(batch.id)).toBe(0);

        // Carol passed the check, then lost the batch to Dave while writing: the same documents, once.
        await opened.store.batchWork.claim('carol', 1000, t(2000));
        const carol = racingWorker(async () => {
          await opened.store.batchWork.claim('dave', 1000, t(3000));
          expect(await opened.store.batchWork.recordChunk(batch.id, 'dave', outcome(0, 0, 2), t(3500))).toBe(true);
          await opened.store.batchWork.settle(batch.id, 'dave', 'ACCEPTED', t(3600));
        });
        expect(await carol.recordChunk(batch.id, 'carol', outcome(0, 0, 2), t(2500))).toBe(false);
        expect(await opened.store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([0, 1].map(price));
        expect((await opened.store.batches.byIds([batch.id]))[0]).toMatchObject({
          processedCount: 2,
          acceptedCount: 2,
        });
      });

      it('removes what a worker that lost its batch wrote once the batch was rejected meanwhile', async () => {
        const batch = await committedBatch([2]);
        await opened.store.batchWork.claim('alice', 1000, t(0));
        const alice = racingWorker(async () => {
          await opened.store.batchWork.claim('bob', 1000, t(1000));
          // Bob finds the chunk invalid (the reference data changed, say) and rejects the batch.
          expect(await opened.store.batchWork.recordChunk(batch.id, 'bob', outcome(0, 0, 0, 2), t(1500))).toBe(true);
          await opened.store.batchWork.settle(batch.id, 'bob', 'REJECTED', t(1600));
        });
        expect(await alice.recordChunk(batch.id, 'alice', outcome(0, 0, 2), t(500))).toBe(false);
        expect(await storedPrices(batch.id)).toBe(0);
      });

      // FerretDB 1.24 (SQLite) does not apply an update atomically with its filter (FerretDB#3040):
      // concurrent conditional updates of one document can both match. MongoDB's are atomic.
      const atomicIt: jest.It = server === 'mongodb' ? it : it.skip;
      const atomicTitle = 'counts each chunk once and keeps maxItems under concurrent appends';
      atomicIt(
        server === 'mongodb'
          ? atomicTitle
          : `${atomicTitle} (skipped: FerretDB 1.24 does not apply a conditional update atomically, FerretDB#3040; ` +
              'runs where MONGODB_URI names a MongoDB server)',
        async () => {
          const batch = await openedBatch();
          const outcomes = await Promise.all(
            Array.from({ length: 10 }, (_, i) => opened.store.chunkedBatches.append(batch.id, chunk(i, 10), 55)),
          );
          expect(outcomes.filter((o) => o?.kind === 'appended')).toHaveLength(5);
          expect(outcomes.filter((o) => o?.kind === 'too-many-items')).toHaveLength(5);
          expect((await opened.store.batches.byIds([batch.id]))[0]).toMatchObject({ itemCount: 50, chunkCount: 5 });
          expect(await rawChunks(batch.id)).toHaveLength(5);

          const other = await openedBatch();
          const twice = await Promise.all(
            [0, 1].map(() => opened.store.chunkedBatches.append(other.id, chunk(0, 7), 100)),
          );
          expect(twice.map((o) => o?.kind).sort()).toEqual(['appended', 'duplicate']);
          expect((await opened.store.batches.byIds([other.id]))[0]).toMatchObject({ itemCount: 7, chunkCount: 1 });
        },
      );

      it('completes an append that crashed between reserving its chunk and storing it', async () => {
        const batch = await openedBatch();
        await opened.store.chunkedBatches.append(batch.id, chunk(0, 2), 100);
        // The reservation of chunk 1 was written, the chunk never was.
        await db()
          .collection<BatchDocument>('batches')
          .updateOne({ _id: batch.id }, { $inc: { itemCount: 3, chunkCount: 1 }, $push: { countedChunks: 1 } });
        expect(await opened.store.chunkedBatches.commit(batch.id)).toMatchObject({
          kind: 'missing-chunks',
          missing: [1],
        });
        expect(await opened.store.chunkedBatches.append(batch.id, chunk(1, 3), 100)).toMatchObject({
          kind: 'appended',
          batch: { itemCount: 5, chunkCount: 2 },
        });
        expect(await opened.store.chunkedBatches.commit(batch.id)).toMatchObject({
          kind: 'committed',
          batch: { status: 'COMMITTED', itemCount: 5, chunkCount: 2 },
        });
        expect(await opened.store.batchWork.chunk(batch.id, 1)).toEqual({
          index: 1,
          firstItemIndex: 2,
          content: 'content-1',
        });
      });

      it('completes an open interrupted after its claim, under the claim’s id and time', async () => {
        const first = newOpenBatch();
        await db().collection<IdempotencyKeyDocument>('idempotency_keys').insertOne(openClaimOf(first));
        expect(await opened.store.batches.byIdempotencyKey(first.owner, first.idempotencyKey)).toBeUndefined();
        const retry = await opened.store.chunkedBatches.open({ ...first, id: randomUUID(), createdAt: t(5) });
        expect(retry).toMatchObject({
          kind: 'created',
          batch: { id: first.id, createdAt: first.createdAt, status: 'OPEN' },
        });
        // Once opened, the key answers like any stored batch's.
        const whole = sampleBatch({ idempotencyKey: first.idempotencyKey, requestHash: first.requestHash });
        expect(await opened.store.batches.record(whole)).toEqual({ kind: 'existing', batch: retry.batch });
      });

      it('completes an unfinished claim only with the same kind of request', async () => {
        const unfinished = newOpenBatch();
        await db().collection<IdempotencyKeyDocument>('idempotency_keys').insertOne(openClaimOf(unfinished));
        const whole = sampleBatch({ idempotencyKey: unfinished.idempotencyKey, requestHash: unfinished.requestHash });
        expect(await opened.store.batches.record(whole)).toMatchObject({
          kind: 'conflict',
          batch: { id: unfinished.id },
        });
        expect(await opened.store.batches.byIds([unfinished.id, whole.id])).toEqual([undefined, undefined]);
        expect(await storedPrices(whole.id)).toBe(0);
      });

      it('hands out no content of a settled batch, even where removing it was interrupted', async () => {
        const batch = await committedBatch([1]);
        await opened.store.batchWork.claim('alice', 1000, t(0));
        await opened.store.batchWork.recordChunk(batch.id, 'alice', outcome(0, 0, 1), t(100));
        await opened.store.batchWork.settle(batch.id, 'alice', 'ACCEPTED', t(200));
        await db()
          .collection<ChunkDocument>('batch_chunks')
          .updateMany({ _id: chunkIdRange(batch.id) }, { $set: { content: 'left behind by a crash' } });
        expect(await opened.store.batchWork.chunk(batch.id, 0)).toBeUndefined();
      });
    });

    (server === 'ferretdb' ? it : it.skip)('says that the change feed needs a replica set', async () => {
      await expect(opened.store.changeFeed.follow(null)).rejects.toThrow(/replica set/);
    });

    it('counts and names every restart it asks a follower for', async () => {
      const restarts: FeedRestartReason[] = [];
      const counted = await openMongoOperationalStore({
        uri: uri(),
        database: opened.database,
        feedEvents: { restartRequired: (reason) => restarts.push(reason) },
      });
      try {
        await expect(counted.changeFeed.follow('42')).rejects.toHaveProperty('name', 'FeedRestartRequired');
        // A resume token made under another version of the change-stream pipeline.
        const older = encodePosition({
          resumeAfter: { _data: '8269291E60' },
          pipeline: BATCH_CHANGE_PIPELINE_VERSION + 1,
        });
        await expect(counted.changeFeed.follow(older)).rejects.toThrow(/pipeline version/);
        expect(restarts).toEqual(['not-a-position', 'pipeline-changed']);
      } finally {
        await counted.close();
      }
    });

    // Only FerretDB, which ignores atClusterTime, can read a snapshot at a made-up past time.
    (server === 'ferretdb' ? it : it.skip)(
      server === 'ferretdb'
        ? 'lists a snapshot’s batches at once, so that copying them may take longer than the snapshot window'
        : 'lists a snapshot’s batches at once (skipped: reads at a made-up past time, which only FerretDB ignores)',
      async () => {
        // FerretDB ignores atClusterTime and reads the current state: a batch committed after the first
        // read shows that the snapshot's list was not read lazily, page by page (pages of 2 here).
        const batches = [sampleBatch(), sampleBatch(), sampleBatch()];
        for (const batch of batches) await opened.store.batches.record(batch);
        const inSnapshot = encodePosition({
          snapshot: { at: { t: 1_764_300_000, i: 1 }, after: { createdAt: 0, id: '', kind: 'committed' } },
        });
        const reader = await opened.store.changeFeed.follow(inSnapshot);
        try {
          const first = await reader.next(1, 0);
          await opened.store.batches.record(sampleBatch());
          const rest = await reader.next(10, 0);
          expect([...first, ...rest].map((c) => c.batchId)).toEqual(batches.map((b) => b.id));
          // The last one continues with the stream after the snapshot's time.
          expect(decodePosition(rest.at(-1)!.position)).toEqual({ startAtOperationTime: { t: 1_764_300_000, i: 2 } });
        } finally {
          await reader.close();
        }
      },
    );

    it('restarts a follower whose position it did not make', async () => {
      await expect(opened.store.changeFeed.follow('42')).rejects.toHaveProperty('name', 'FeedRestartRequired');
      // The backlog is answered from state, so a foreign position changes nothing there.
      await expect(opened.store.changeFeed.backlog('not json')).resolves.toEqual(
        await opened.store.changeFeed.backlog(null),
      );
    });
  });
}

const mongodbUri = process.env.MONGODB_URI;

if (mongodbUri) {
  // A replica set's URI names it (replicaSet=) but a mongos URI never does: whichever it is, it has
  // change streams, and a standalone server (no change streams) fails the feed tests rather than skip them.
  const feed: ChangeFeedAvailability = { available: true };
  describe('on MONGODB_URI', () => {
    describeOperationalStoreContract('MongoDB', () => openFresh(mongodbUri), feed);
    describeMongoAdapter(() => mongodbUri, 'mongodb');
  });
}
