import type { PriceRecord } from '../../../domain/batch';
import type { RecordBatchOutcome } from '../ports';
import {
  chunkIdRange,
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

/** What an attempt to claim an idempotency key answers: the claim to write under, or the outcome. */
export type KeyClaim = { readonly claim: IdempotencyKeyDocument } | RecordBatchOutcome;

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
      return { claim: mine };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const earlier = await this.collections.idempotencyKeys.findOne({ _id: mine._id });
    // Claims are never deleted, so the one that collided is still there.
    if (!earlier) throw new Error(`The claim on idempotency key ${JSON.stringify(mine._id)} vanished`);
    const stored = await this.collections.batches.findOne({ _id: earlier.batchId });
    if (earlier.requestHash !== mine.requestHash) {
      return { kind: 'conflict', batch: stored ? toBatch(stored) : unfinishedBatchOf(earlier) };
    }
    if (stored) return { kind: 'existing', batch: toBatch(stored) };
    if (Boolean(earlier.chunked) !== Boolean(mine.chunked)) {
      return { kind: 'conflict', batch: unfinishedBatchOf(earlier) };
    }
    return { claim: earlier };
  }

  /**
   * Inserts a claimed batch's document: `created`, or `existing` when a concurrent attempt with the same
   * key and content inserted it first.
   */
  async insertBatch(doc: BatchDocument): Promise<RecordBatchOutcome> {
    try {
      await this.collections.batches.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await this.collections.batches.findOne({ _id: doc._id });
      if (!first) throw error;
      return { kind: 'existing', batch: toBatch(first) };
    }
    return { kind: 'created', batch: toBatch(doc) };
  }

  /** Unordered inserts under deterministic ids; keys already there (an earlier attempt's) are skipped. */
  async writePrices(batchId: string, prices: readonly PriceRecord[]): Promise<void> {
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
            chunk.map((p) => toPriceDocument(batchId, p)),
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
