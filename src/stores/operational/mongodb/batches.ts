import type { Filter } from 'mongodb';
import type { Batch, BatchOwner, NewBatch, PriceRecord } from '../../../domain/batch';
import { PRICES_VISIBLE_STATUSES, restoredStatus, RETRACTABLE_STATUSES } from '../../../domain/batch-rules';
import type { ReplicatedChange } from '../change-feed';
import type { BatchCursor, BatchPage, BatchStore, RecordBatchOutcome } from '../ports';
import type { BatchWrites } from './batch-writes';
import {
  FIRST_ATTEMPT,
  MAJORITY_READ,
  batchDocumentOf,
  claimId,
  claimOf,
  fromPriceDocument,
  ofAttempt,
  priceId,
  priceIdRange,
  toBatch,
  type BatchDocument,
  type MongoCollections,
} from './documents';

/**
 * Batches as records. A single-request batch becomes visible all at once because one single-document
 * write is its commit: its prices are written first, and the insert of its `batches` document comes
 * last; nothing reads prices or emits a change before that insert. See docs/operational-store-mongodb.md.
 */
export class MongoBatches implements BatchStore {
  constructor(
    private readonly collections: Pick<MongoCollections, 'batches' | 'prices' | 'idempotencyKeys'>,
    private readonly writes: Pick<BatchWrites, 'claimKey' | 'takeOver' | 'insertBatch' | 'writePrices'>,
  ) {}

  /**
   * 1. Claim the idempotency key (its `_id` is the owner's key, so one claim wins).
   * 2. Write the prices under deterministic ids; duplicates of a retried write are skipped.
   * 3. Insert the batch document: the commit. Until then the batch is invisible to every reader.
   * A claim whose batch never committed (the attempt crashed) is completed by the next attempt with the
   * same content, under the claim's batch id and creation time, with prices of its own (its number in
   * the price ids and on the batch document): its validation may have accepted other items, or converted
   * at another rate, than the attempt it completes. The batch counts only the committing attempt's prices.
   */
  async record(batch: NewBatch): Promise<RecordBatchOutcome> {
    const claimed = await this.writes.claimKey(claimOf(batch));
    if ('kind' in claimed) return claimed;
    const { claim, completing } = claimed;
    const attempt = completing ? await this.writes.takeOver(claim) : FIRST_ATTEMPT;
    await this.writes.writePrices(claim.batchId, batch.prices, attempt);
    const doc = batchDocumentOf(batch, claim);
    return this.writes.insertBatch(attempt === FIRST_ATTEMPT ? doc : { ...doc, attempt }, completing);
  }

  async byIds(ids: readonly string[]): Promise<(Batch | undefined)[]> {
    const found = await this.collections.batches.find({ _id: { $in: [...new Set(ids)] } }, MAJORITY_READ).toArray();
    const byId = new Map(found.map((doc) => [doc._id, toBatch(doc)]));
    return ids.map((id) => byId.get(id));
  }

  async byIdempotencyKey(owner: BatchOwner, key: string): Promise<Batch | undefined> {
    const claim = await this.collections.idempotencyKeys.findOne({ _id: claimId(owner, key) }, MAJORITY_READ);
    if (!claim) return undefined;
    const doc = await this.collections.batches.findOne({ _id: claim.batchId }, MAJORITY_READ);
    return doc ? toBatch(doc) : undefined;
  }

  async page(first: number, after: BatchCursor | undefined, ownedBy?: string): Promise<BatchPage> {
    const filter: Filter<BatchDocument> = {
      ...(ownedBy === undefined ? {} : { owner: ownedBy }),
      ...(after
        ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }] }
        : {}),
    };
    const docs = await this.collections.batches
      .find(filter, MAJORITY_READ)
      .sort({ createdAt: -1, _id: -1 })
      .limit(first + 1)
      .toArray();
    return { batches: docs.slice(0, first).map(toBatch), hasMore: docs.length > first };
  }

  async retract(id: string, at: Date): Promise<Batch | undefined> {
    await this.collections.batches.updateOne(
      { _id: id, status: { $in: [...RETRACTABLE_STATUSES] } },
      { $set: { status: 'RETRACTED', retractedAt: at } },
    );
    const doc = await this.collections.batches.findOne({ _id: id }, MAJORITY_READ);
    return doc ? toBatch(doc) : undefined;
  }

  /**
   * One conditional update: the status it had (an update setting `ACCEPTED`/`REJECTED`, which the change
   * stream maps to a commit, at the `committedAt` it sets), unreplicated again.
   */
  async restore(id: string, at: Date): Promise<Batch | undefined> {
    const doc = await this.collections.batches.findOne({ _id: id });
    if (!doc) return undefined;
    if (doc.status !== 'RETRACTED') return toBatch(doc);
    // Not once retention began removing its prices: there would be nothing to copy back.
    const restored = await this.collections.batches.findOneAndUpdate(
      { _id: id, status: 'RETRACTED', pruningSince: null },
      {
        $set: {
          status: restoredStatus(toBatch(doc)),
          committedAt: at,
          retractedAt: null,
          countedAt: null,
          retractionAppliedAt: null,
        },
      },
      { returnDocument: 'after' },
    );
    return toBatch(restored ?? (await this.collections.batches.findOne({ _id: id })) ?? doc);
  }

  async pricesOf(batchId: string, afterItemIndex: number | null, limit: number): Promise<PriceRecord[]> {
    // Prices of a batch without its document belong to an unfinished attempt, and those of a chunked
    // batch not settled yet to work in progress: neither is visible.
    const visible = await this.collections.batches.findOne(
      { _id: batchId, status: { $in: [...PRICES_VISIBLE_STATUSES] } },
      { projection: { attempt: 1 } },
    );
    if (!visible) return [];
    const range = priceIdRange(batchId);
    // From the next index on: an attempt's suffix sorts after its own index.
    const from = afterItemIndex === null ? range.$gte : priceId(batchId, afterItemIndex + 1);
    const docs = await this.collections.prices
      .find({ _id: { $gte: from, $lt: range.$lt }, ...ofAttempt(visible.attempt) })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => fromPriceDocument(doc).price);
  }

  async markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void> {
    const ids = (kind: ReplicatedChange['kind']) => [
      ...new Set(changes.filter((c) => c.kind === kind).map((c) => c.batchId)),
    ];
    const counted = ids('committed');
    const retracted = ids('retracted');
    await Promise.all([
      counted.length > 0 &&
        this.collections.batches.updateMany({ _id: { $in: counted }, countedAt: null }, { $set: { countedAt: at } }),
      retracted.length > 0 &&
        this.collections.batches.updateMany(
          { _id: { $in: retracted }, retractionAppliedAt: null },
          { $set: { retractionAppliedAt: at } },
        ),
    ]);
  }
}
