import type { Collection, Filter } from 'mongodb';
import type {
  Batch,
  BatchChunk,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewOpenBatch,
  PriceRecord,
} from '../../../domain/batch';
import type {
  AppendChunkOutcome,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  RecordBatchOutcome,
} from '../operational-store';
import {
  COMMITTED_STATUSES,
  chunkDocumentOf,
  chunkId,
  chunkIdRange,
  chunkIndexOf,
  errorsFieldsOf,
  errorsOf,
  openBatchDocumentOf,
  openClaimOf,
  priceId,
  priceIdRange,
  toBatch,
  type BatchDocument,
  type ChunkDocument,
  type IdempotencyKeyDocument,
  type PriceDocument,
} from './documents';

/** What the store shares with this module: its collections and the two steps every batch write takes. */
export interface ChunkedBatchesContext {
  readonly batches: Collection<BatchDocument>;
  readonly chunks: Collection<ChunkDocument>;
  readonly prices: Collection<PriceDocument>;
  /** Claims the idempotency key, or answers the outcome an earlier claim decides. */
  claimKey(claim: IdempotencyKeyDocument): Promise<{ claim: IdempotencyKeyDocument } | RecordBatchOutcome>;
  /** Unordered inserts under deterministic ids; keys already there are skipped. */
  writePrices(batchId: string, prices: readonly PriceRecord[]): Promise<void>;
  isDuplicateKey(error: unknown): boolean;
}

/** A commit retries when appends reserve chunks while it runs; more than this many means misuse. */
const MAX_COMMIT_ATTEMPTS = 10;

/**
 * Chunked batches on MongoDB, without transactions. Unlike a single-request batch, a chunked batch's
 * document exists from `openBatch` on; what commits it (to price readers and the change feed) is the one
 * update that settles it (`ACCEPTED`/`REJECTED` and `committedAt`). Every other step is a single-document
 * update guarded by a filter (status, worker, progress), ordered so that a crash between two writes
 * leaves a state the next attempt or worker completes. See docs/operational-store-mongodb.md.
 */
export class MongoChunkedBatches {
  constructor(private readonly ctx: ChunkedBatchesContext) {}

  /** Claims the key, then inserts the `OPEN` document; a retry after a crash in between completes it. */
  async open(batch: NewOpenBatch): Promise<RecordBatchOutcome> {
    const claimed = await this.ctx.claimKey(openClaimOf(batch));
    if ('kind' in claimed) return claimed;
    const doc = openBatchDocumentOf(batch, claimed.claim);
    try {
      await this.ctx.batches.insertOne(doc);
    } catch (error) {
      if (!this.ctx.isDuplicateKey(error)) throw error;
      const opened = await this.ctx.batches.findOne({ _id: doc._id });
      if (!opened) throw error;
      return { kind: 'existing', batch: toBatch(opened) };
    }
    return { kind: 'created', batch: toBatch(doc) };
  }

  /**
   * 1. A chunk already stored under this index answers `duplicate` or `conflict` (whatever the status).
   * 2. Reserve the chunk on the batch: one conditional update adds its items and its index to
   *    `countedChunks`, only while `OPEN`, not yet reserved, and within `maxItems`. Being atomic on one
   *    document, it keeps the limit under concurrent appends too.
   * 3. Insert the chunk. A crash after 2 leaves a reservation without a chunk: a retry finds it reserved
   *    and inserts, and `commitBatch` lists it as missing until then. A chunk is never stored unreserved.
   */
  async append(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined> {
    const doc = await this.ctx.batches.findOne({ _id: batchId });
    if (!doc) return undefined;
    const earlier = await this.ctx.chunks.findOne(
      { _id: chunkId(batchId, chunk.index) },
      { projection: { contentHash: 1 } },
    );
    if (earlier) return this.alreadyKept(doc, chunk, earlier);
    if (doc.status !== 'OPEN') return { kind: 'not-open', batch: toBatch(doc) };
    const reserved = await this.ctx.batches.findOneAndUpdate(
      {
        _id: batchId,
        status: 'OPEN',
        countedChunks: { $ne: chunk.index },
        itemCount: { $lte: maxItems - chunk.itemCount },
      },
      { $inc: { itemCount: chunk.itemCount, chunkCount: 1 }, $push: { countedChunks: chunk.index } },
      { returnDocument: 'after' },
    );
    let current = reserved ?? (await this.ctx.batches.findOne({ _id: batchId }));
    if (!current) return undefined;
    if (!reserved) {
      // Reserved by an earlier attempt that crashed before its insert, or by one running now: insert too.
      const reservedBefore = current.status === 'OPEN' && (current.countedChunks ?? []).includes(chunk.index);
      if (!reservedBefore) {
        if (current.status !== 'OPEN') return { kind: 'not-open', batch: toBatch(current) };
        return { kind: 'too-many-items', batch: toBatch(current), maxItems };
      }
    }
    try {
      await this.ctx.chunks.insertOne(chunkDocumentOf(batchId, chunk));
    } catch (error) {
      if (!this.ctx.isDuplicateKey(error)) throw error;
      // A concurrent append of the same index stored its chunk first.
      const winner = await this.ctx.chunks.findOne(
        { _id: chunkId(batchId, chunk.index) },
        { projection: { contentHash: 1 } },
      );
      if (!winner) throw error;
      current = (await this.ctx.batches.findOne({ _id: batchId })) ?? current;
      return this.alreadyKept(current, chunk, winner);
    }
    return { kind: 'appended', batch: toBatch(current) };
  }

  /**
   * Checks that chunks 0..n-1 are all stored (and that no reserved one is missing), numbers their items
   * across the batch (`firstItemIndex`), then sets `COMMITTED` with the totals counted from the chunks.
   * That last update is filtered on the `chunkCount` read at the start: an append that reserved a chunk
   * in the meantime makes it match nothing, and the commit starts over, so no appended chunk is left out.
   */
  async commit(batchId: string): Promise<CommitBatchOutcome | undefined> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt += 1) {
      const doc = await this.ctx.batches.findOne({ _id: batchId });
      if (!doc) return undefined;
      if (doc.status !== 'OPEN') {
        const ended = doc.status === 'ABORTED' || doc.status === 'EXPIRED';
        return { kind: ended ? 'not-open' : 'already-committed', batch: toBatch(doc) };
      }
      const chunks = await this.ctx.chunks
        .find({ _id: chunkIdRange(batchId) }, { projection: { itemCount: 1 } })
        .sort({ _id: 1 })
        .toArray();
      const missing = missingChunkIndexes(
        chunks.map((c) => chunkIndexOf(c._id)),
        doc.countedChunks ?? [],
      );
      if (missing.length > 0) return { kind: 'missing-chunks', batch: toBatch(doc), missing };
      let firstItemIndex = 0;
      for (const c of chunks) {
        // The same numbers on every attempt: chunks appended meanwhile come after these.
        await this.ctx.chunks.updateOne({ _id: c._id }, { $set: { firstItemIndex } });
        firstItemIndex += c.itemCount;
      }
      const committed = await this.ctx.batches.findOneAndUpdate(
        { _id: batchId, status: 'OPEN', chunkCount: doc.chunkCount },
        {
          $set: { status: 'COMMITTED', openUntil: null, itemCount: firstItemIndex, chunkCount: chunks.length },
          $unset: { countedChunks: '' },
        },
        { returnDocument: 'after' },
      );
      if (committed) return { kind: 'committed', batch: toBatch(committed) };
    }
    throw new Error(`Batch ${batchId} kept taking chunks while it was being committed`);
  }

  /**
   * Ends an open batch, then removes its chunks' content (the rest of each chunk stays, so that a retried
   * chunk is still told `duplicate`). A crash in between leaves content nobody is handed: chunks are
   * served only for batches `COMMITTED` or `PROCESSING`.
   */
  async endOpen(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined> {
    const ended = await this.ctx.batches.findOneAndUpdate(
      { _id: batchId, status: 'OPEN' },
      { $set: { status, openUntil: null } },
      { returnDocument: 'after' },
    );
    if (!ended) {
      const doc = await this.ctx.batches.findOne({ _id: batchId });
      return doc ? { kind: 'not-open', batch: toBatch(doc) } : undefined;
    }
    await this.dropChunkContent(batchId);
    return { kind: 'ended', batch: toBatch(ended) };
  }

  async expire(now: Date): Promise<string[]> {
    const due = await this.ctx.batches
      .find({ status: 'OPEN', openUntil: { $lte: now } }, { projection: { _id: 1 } })
      .toArray();
    const expired: string[] = [];
    for (const { _id } of due) {
      if ((await this.endOpen(_id, 'EXPIRED'))?.kind === 'ended') expired.push(_id);
    }
    return expired;
  }

  /**
   * Finds the oldest batch waiting, then leases it with an update filtered on the same condition, so
   * that of two workers racing for it one gets it and the other looks again. Both are single-document
   * operations targeted by `_id`: no `findAndModify` without the shard key.
   */
  async claim(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined> {
    const waiting: Filter<BatchDocument> = {
      $or: [{ status: 'COMMITTED' }, { status: 'PROCESSING', workExpiresAt: { $lte: now } }],
    };
    for (;;) {
      const next = await this.ctx.batches.findOne(waiting, { sort: { createdAt: 1 }, projection: { _id: 1 } });
      if (!next) return undefined;
      const leased = await this.ctx.batches.findOneAndUpdate(
        { _id: next._id, ...waiting },
        { $set: { status: 'PROCESSING', workHolder: holder, workExpiresAt: new Date(now.getTime() + ttlMs) } },
        { returnDocument: 'after' },
      );
      if (leased) return { batch: toBatch(leased), holder, processedChunks: leased.processedChunks ?? 0 };
    }
  }

  async chunkToProcess(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined> {
    const [inWork, chunk] = await Promise.all([
      this.ctx.batches.findOne(
        { _id: batchId, status: { $in: ['COMMITTED', 'PROCESSING'] } },
        { projection: { _id: 1 } },
      ),
      this.ctx.chunks.findOne({ _id: chunkId(batchId, chunkIndex) }),
    ]);
    if (!inWork || chunk?.content === undefined || chunk.firstItemIndex === null) return undefined;
    return { index: chunkIndex, firstItemIndex: chunk.firstItemIndex, content: chunk.content };
  }

  /**
   * 1. Check the fence (`PROCESSING`, this holder, this chunk next) by reading the batch: a worker that
   *    lost the batch usually stops here, having written nothing.
   * 2. Write the chunk's prices under their deterministic ids.
   * 3. Count the chunk with an update filtered on the same fence: that is what records it.
   * A worker that loses the fence between 1 and 3 has written the very documents the new holder writes
   * (same batch, same item indexes, same chunk content), so nothing doubles. If the batch was meanwhile
   * settled with no accepted item, it removes what it wrote: such a batch holds no prices.
   */
  async recordChunkOutcome(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean> {
    const fence: Filter<BatchDocument> = {
      _id: batchId,
      status: 'PROCESSING',
      workHolder: holder,
      processedChunks: outcome.chunkIndex,
    };
    const doc = await this.ctx.batches.findOne(fence, { projection: { errors: 1, errorsGz: 1 } });
    if (!doc) return false;
    await this.ctx.writePrices(batchId, outcome.prices);
    // The errors are rewritten whole (read above): the fence on processedChunks rules out a lost update.
    const errors =
      outcome.reportedErrors.length === 0 ? {} : errorsFieldsOf([...errorsOf(doc), ...outcome.reportedErrors]);
    const recorded = await this.ctx.batches.updateOne(fence, {
      $inc: {
        processedChunks: 1,
        processedCount: outcome.itemCount,
        acceptedCount: outcome.prices.length,
        errorCount: outcome.errorCount,
      },
      $set: { ...errors, workExpiresAt: leaseUntil },
      ...('errorsGz' in errors ? { $unset: { errors: '' } } : 'errors' in errors ? { $unset: { errorsGz: '' } } : {}),
    });
    if (recorded.matchedCount === 1) return true;
    await this.removeIfNothingAccepted(batchId, outcome.prices);
    return false;
  }

  /**
   * `ACCEPTED`: one update sets the status and `committedAt`: the commit the change feed sees.
   * `REJECTED`: the prices written so far are removed first, so the feed never sees a rejected batch with
   * prices, then the same kind of update. A crash after the removal leaves the batch `PROCESSING` with its
   * counts unchanged: once the lease runs out the next worker resumes with every chunk processed, decides
   * `REJECTED` again from the same counts, and completes it. After marking, the prices are removed once
   * more, for a worker that lost the batch while writing (it removes its own when it sees the rejection).
   * The chunks' content goes last; a crash before leaves content that is no longer served.
   */
  async settle(batchId: string, holder: string, status: 'ACCEPTED' | 'REJECTED', at: Date): Promise<Batch | undefined> {
    const fence: Filter<BatchDocument> = { _id: batchId, status: 'PROCESSING', workHolder: holder };
    if (!(await this.ctx.batches.findOne(fence, { projection: { _id: 1 } }))) return undefined;
    const rejected = status === 'REJECTED';
    if (rejected) await this.ctx.prices.deleteMany({ _id: priceIdRange(batchId) });
    const settled = await this.ctx.batches.findOneAndUpdate(
      fence,
      {
        $set: {
          status,
          committedAt: at,
          workHolder: null,
          workExpiresAt: null,
          ...(rejected ? { acceptedCount: 0 } : {}),
        },
      },
      { returnDocument: 'after' },
    );
    if (!settled) return undefined;
    if (rejected) await this.ctx.prices.deleteMany({ _id: priceIdRange(batchId) });
    await this.dropChunkContent(batchId);
    return toBatch(settled);
  }

  async release(batchId: string, holder: string): Promise<void> {
    await this.ctx.batches.updateOne(
      { _id: batchId, status: 'PROCESSING', workHolder: holder },
      { $set: { status: 'COMMITTED', workHolder: null, workExpiresAt: null } },
    );
  }

  /** A stored chunk under a retried index: the same content is a duplicate, other content a conflict. */
  private alreadyKept(
    doc: BatchDocument,
    chunk: BatchChunk,
    earlier: Pick<ChunkDocument, 'contentHash'>,
  ): AppendChunkOutcome {
    return { kind: earlier.contentHash === chunk.contentHash ? 'duplicate' : 'conflict', batch: toBatch(doc) };
  }

  private async dropChunkContent(batchId: string): Promise<void> {
    await this.ctx.chunks.updateMany(
      { _id: chunkIdRange(batchId), content: { $exists: true } },
      { $unset: { content: '' } },
    );
  }

  /** After a lost fence: a batch settled without accepted items holds no prices, so these must go. */
  private async removeIfNothingAccepted(batchId: string, prices: readonly PriceRecord[]): Promise<void> {
    if (prices.length === 0) return;
    const settledEmpty = await this.ctx.batches.findOne(
      { _id: batchId, status: { $in: [...COMMITTED_STATUSES] }, acceptedCount: 0 },
      { projection: { _id: 1 } },
    );
    if (!settledEmpty) return;
    // A loop, not Math.min(...): a chunk can hold 100,000 prices, too many arguments for one call.
    let [low, high] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const { itemIndex } of prices) [low, high] = [Math.min(low, itemIndex), Math.max(high, itemIndex)];
    await this.ctx.prices.deleteMany({ _id: { $gte: priceId(batchId, low), $lte: priceId(batchId, high) } });
  }
}

/** Indexes missing from 0..highest (stored or reserved); `[0]` when there is no chunk at all. */
function missingChunkIndexes(stored: readonly number[], reserved: readonly number[]): number[] {
  const present = new Set(stored);
  const highest = Math.max(0, ...stored, ...reserved);
  return Array.from({ length: highest + 1 }, (_, i) => i).filter((i) => !present.has(i));
}
