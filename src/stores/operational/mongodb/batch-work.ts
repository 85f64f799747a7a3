import type { Filter } from 'mongodb';
import type {
  Batch,
  BatchStatus,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  PriceRecord,
  SettledStatus,
} from '../../../domain/batch';
import { FEED_COMMITTED_STATUSES } from '../../../domain/batch-rules';
import type { BatchQueueDepth, BatchWorkQueue } from '../ports';
import type { BatchWrites } from './batch-writes';
import {
  chunkId,
  errorsFieldsOf,
  errorsOf,
  priceId,
  priceIdRange,
  toBatch,
  type BatchDocument,
  type MongoCollections,
} from './documents';

/** Statuses of a batch a worker may be handed chunks of: waiting for one, or in one's hands. */
const IN_WORK_STATUSES = ['COMMITTED', 'PROCESSING'] as const satisfies readonly BatchStatus[];

/** Batches a worker may claim at `now`: waiting for one, or left by one whose lease ran out. */
const waitingAt = (now: Date): Filter<BatchDocument> => ({
  $or: [{ status: 'COMMITTED' }, { status: 'PROCESSING', workExpiresAt: { $lte: now } }],
});

/**
 * The work queue of committed chunked batches. A worker's lease lives on the batch document
 * (`workHolder`, `workExpiresAt`) and fences every write it makes; the update that settles a batch is
 * its commit to price readers and the change feed. See docs/operational-store-mongodb.md.
 */
export class MongoBatchWork implements BatchWorkQueue {
  constructor(
    private readonly collections: Pick<MongoCollections, 'batches' | 'batchChunks' | 'prices'>,
    private readonly writes: Pick<BatchWrites, 'writePrices' | 'dropChunkContent'>,
  ) {}

  /**
   * Finds the oldest batch waiting, then leases it with an update filtered on the same condition, so
   * that of two workers racing for it one gets it and the other looks again. Both are single-document
   * operations targeted by `_id`: no `findAndModify` without the shard key.
   */
  async claim(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined> {
    const waiting = waitingAt(now);
    for (;;) {
      const next = await this.collections.batches.findOne(waiting, {
        sort: { createdAt: 1 },
        projection: { _id: 1 },
      });
      if (!next) return undefined;
      const leased = await this.collections.batches.findOneAndUpdate(
        { _id: next._id, ...waiting },
        { $set: { status: 'PROCESSING', workHolder: holder, workExpiresAt: new Date(now.getTime() + ttlMs) } },
        { returnDocument: 'after' },
      );
      if (leased) return { batch: toBatch(leased), holder, processedChunks: leased.processedChunks ?? 0 };
    }
  }

  async chunk(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined> {
    const [inWork, chunk] = await Promise.all([
      this.collections.batches.findOne(
        { _id: batchId, status: { $in: [...IN_WORK_STATUSES] } },
        { projection: { _id: 1 } },
      ),
      this.collections.batchChunks.findOne({ _id: chunkId(batchId, chunkIndex) }),
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
  async recordChunk(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean> {
    const fence: Filter<BatchDocument> = {
      _id: batchId,
      status: 'PROCESSING',
      workHolder: holder,
      processedChunks: outcome.chunkIndex,
    };
    const doc = await this.collections.batches.findOne(fence, { projection: { errors: 1, errorsGz: 1 } });
    if (!doc) return false;
    await this.writes.writePrices(batchId, outcome.prices);
    // The errors are rewritten whole (read above): the fence on processedChunks rules out a lost update.
    const errors =
      outcome.reportedErrors.length === 0 ? {} : errorsFieldsOf([...errorsOf(doc), ...outcome.reportedErrors]);
    const recorded = await this.collections.batches.updateOne(fence, {
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
  async settle(batchId: string, holder: string, status: SettledStatus, at: Date): Promise<Batch | undefined> {
    const fence: Filter<BatchDocument> = { _id: batchId, status: 'PROCESSING', workHolder: holder };
    if (!(await this.collections.batches.findOne(fence, { projection: { _id: 1 } }))) return undefined;
    const rejected = status === 'REJECTED';
    if (rejected) await this.collections.prices.deleteMany({ _id: priceIdRange(batchId) });
    const settled = await this.collections.batches.findOneAndUpdate(
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
    if (rejected) await this.collections.prices.deleteMany({ _id: priceIdRange(batchId) });
    await this.writes.dropChunkContent(batchId);
    return toBatch(settled);
  }

  async handBack(batchId: string, holder: string): Promise<void> {
    await this.collections.batches.updateOne(
      { _id: batchId, status: 'PROCESSING', workHolder: holder },
      { $set: { status: 'COMMITTED', workHolder: null, workExpiresAt: null } },
    );
  }

  /** Three reads on the `work_queue` index (status first), each as long as the queue. */
  async depth(now: Date): Promise<BatchQueueDepth> {
    const [waiting, inWork, oldest] = await Promise.all([
      this.collections.batches.countDocuments(waitingAt(now)),
      this.collections.batches.countDocuments({ status: 'PROCESSING', workExpiresAt: { $gt: now } }),
      this.collections.batches.findOne(waitingAt(now), { sort: { createdAt: 1 }, projection: { createdAt: 1 } }),
    ]);
    return { waiting, inWork, oldestWaitingCreatedAt: oldest?.createdAt };
  }

  /** After a lost fence: a batch settled without accepted items holds no prices, so these must go. */
  private async removeIfNothingAccepted(batchId: string, prices: readonly PriceRecord[]): Promise<void> {
    if (prices.length === 0) return;
    const settledEmpty = await this.collections.batches.findOne(
      { _id: batchId, status: { $in: [...FEED_COMMITTED_STATUSES] }, acceptedCount: 0 },
      { projection: { _id: 1 } },
    );
    if (!settledEmpty) return;
    // A loop, not Math.min(...): a chunk can hold 100,000 prices, too many arguments for one call.
    let [low, high] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const { itemIndex } of prices) [low, high] = [Math.min(low, itemIndex), Math.max(high, itemIndex)];
    await this.collections.prices.deleteMany({ _id: { $gte: priceId(batchId, low), $lte: priceId(batchId, high) } });
  }
}
