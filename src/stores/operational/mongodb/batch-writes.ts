import type { PriceRecord } from '../../../domain/batch';
import type { RecordBatchOutcome } from '../ports';
import {
  FIRST_ATTEMPT,
  MAJORITY_READ,
  chunkIdRange,
  ofOtherAttempts,
  priceIdRange,
  toBatch,
  toPriceDocument,
  unfinishedBatchOf,
  type BatchDocument,
  type IdempotencyKeyDocument,
  type MongoCollections,
} from './documents';
import { isDuplicateKey, onlyDuplicateKeys } from './errors';

export interface BatchWriteOptions {
  /** Prices per `insertMany`. */
  readonly priceChunkSize: number;
  /** `insertMany` calls of one batch in flight at once. */
  readonly priceWriteConcurrency: number;
}

/**
 * What an attempt to claim an idempotency key answers: the claim to write under (`completing` when it is
 * an earlier attempt's, which this one completes), or the outcome.
 */
export type KeyClaim = { readonly claim: IdempotencyKeyDocument; readonly completing: boolean } | RecordBatchOutcome;

/**
 * The write steps single-request and chunked batches share. Without transactions, each is one
 * idempotent single-document (or deterministic-id) write, so that a retry after a crash completes
 * what the crashed attempt began. See docs/operational-store-mongodb.md.
 */
export class BatchWrites {
  constructor(
    private readonly collections: Pick<MongoCollections, 'batches' | 'prices' | 'batchChunks' | 'idempotencyKeys'>,
    private readonly options: BatchWriteOptions,
  ) {}

  /**
   * Claims the idempotency key (its `_id` is the owner's key, see `claimId`, so one claim wins), or answers the outcome when an
   * earlier claim decides it. An owner's single-request and chunked batches share its keys; an unfinished claim is
   * completed only by the same kind of request.
   */
  async claimKey(mine: IdempotencyKeyDocument): Promise<KeyClaim> {
    try {
      await this.collections.idempotencyKeys.insertOne(mine);
      return { claim: mine, completing: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const earlier = await this.collections.idempotencyKeys.findOne({ _id: mine._id }, MAJORITY_READ);
    // Claims are never deleted, so the one that collided is still there.
    if (!earlier) throw new Error(`The claim on idempotency key ${JSON.stringify(mine._id)} vanished`);
    const stored = await this.collections.batches.findOne({ _id: earlier.batchId }, MAJORITY_READ);
    if (earlier.requestHash !== mine.requestHash) {
      return { kind: 'conflict', batch: stored ? toBatch(stored) : unfinishedBatchOf(earlier) };
    }
    if (stored) return { kind: 'existing', batch: toBatch(stored) };
    if (Boolean(earlier.chunked) !== Boolean(mine.chunked)) {
      return { kind: 'conflict', batch: unfinishedBatchOf(earlier) };
    }
    return { claim: earlier, completing: true };
  }

  /**
   * A number of its own for an attempt that completes an earlier one: its prices may differ from the
   * earlier attempt's (exchange rates or reference data changed meanwhile), so they are written apart.
   */
  async takeOver(claim: IdempotencyKeyDocument): Promise<number> {
    const taken = await this.collections.idempotencyKeys.findOneAndUpdate(
      { _id: claim._id },
      { $inc: { completions: 1 } },
      // No projection: FerretDB 1.24 lacks it on findAndModify, and a claim is small.
      { returnDocument: 'after' },
    );
    if (!taken?.completions) throw new Error(`The claim on idempotency key ${JSON.stringify(claim._id)} vanished`);
    return taken.completions;
  }

  /**
   * Inserts a claimed batch's document: `created`, or `existing` when a concurrent attempt with the same
   * key and content inserted it first. When this attempt completes another (`completing`) or lost to
   * another attempt, the prices of every attempt but the committed one are removed afterwards: the winner
   * removes the others', a loser its own once its write is over. Invisible either way (readers go by the
   * batch's `attempt`); removing them keeps a batch's range what it counts.
   */
  async insertBatch(doc: BatchDocument, completing = false): Promise<RecordBatchOutcome> {
    let committed = doc;
    let kind: 'created' | 'existing' = 'created';
    try {
      await this.collections.batches.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await this.collections.batches.findOne({ _id: doc._id }, MAJORITY_READ);
      if (!first) throw error;
      [committed, kind] = [first, 'existing'];
    }
    if (completing || committed.attempt !== doc.attempt) {
      await this.collections.prices.deleteMany({ _id: priceIdRange(doc._id), ...ofOtherAttempts(committed.attempt) });
    }
    return { kind, batch: toBatch(committed) };
  }

  /** Unordered inserts under deterministic ids; keys already there (a retried write's) are skipped. */
  async writePrices(batchId: string, prices: readonly PriceRecord[], attempt = FIRST_ATTEMPT): Promise<void> {
    const { priceChunkSize, priceWriteConcurrency } = this.options;
    const chunks: PriceRecord[][] = [];
    for (let start = 0; start < prices.length; start += priceChunkSize) {
      chunks.push(prices.slice(start, start + priceChunkSize));
    }
    let nextChunk = 0;
    const worker = async (): Promise<void> => {
      for (let chunk = chunks[nextChunk++]; chunk; chunk = chunks[nextChunk++]) {
        try {
          await this.collections.prices.insertMany(
            chunk.map((p) => toPriceDocument(batchId, p, attempt)),
            { ordered: false },
          );
        } catch (error) {
          if (!onlyDuplicateKeys(error)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(priceWriteConcurrency, chunks.length) }, worker));
  }

  /**
   * Removes the content of a batch's chunks once it is settled or ended; the rest of each chunk stays,
   * so that a chunk retried late is still told `duplicate`.
   */
  async dropChunkContent(batchId: string): Promise<void> {
    await this.collections.batchChunks.updateMany(
      { _id: chunkIdRange(batchId), content: { $exists: true } },
      { $unset: { content: '' } },
    );
  }
}
