import type { RetentionCandidate } from '../../../domain/retention';
import type { PriceRetention } from '../ports';
import { chunkIdRange, priceIdRange, type MongoCollections } from './documents';

/**
 * Retention on MongoDB. Prices are not watched by the change stream (it follows `batches` only), so
 * removing them never reaches analytics; the marks on the batch document change no field the stream's
 * pipeline matches. Each step removes at most `maxPrices` documents of one `_id` range (one shard's
 * chunk range), so it never holds anything long; repeating a step after a crash removes what is left.
 */
export class MongoPriceRetention implements PriceRetention {
  constructor(
    private readonly collections: Pick<MongoCollections, 'batches' | 'prices' | 'batchChunks' | 'replicaAcks'>,
  ) {}

  async candidates(countedBefore: Date, limit: number): Promise<RetentionCandidate[]> {
    const batches = await this.collections.batches
      .find(
        { status: 'ACCEPTED', prunedAt: null, countedAt: { $ne: null, $lte: countedBefore } },
        { projection: { countedAt: 1, committedAt: 1, createdAt: 1 } },
      )
      .sort({ status: 1, prunedAt: 1, countedAt: 1 })
      .limit(limit)
      .toArray();
    if (batches.length === 0) return [];
    const acks = await this.collections.replicaAcks.find({ batchId: { $in: batches.map((b) => b._id) } }).toArray();
    return batches.map((batch) => {
      // Only an acknowledgement of this commit counts (a restore commits again, later).
      const commitAt = (batch.committedAt ?? batch.createdAt).getTime();
      const acknowledgedBy = new Set(
        acks.filter((a) => a.batchId === batch._id && a.commitAt.getTime() >= commitAt).map((a) => a.replicaId),
      );
      return { batchId: batch._id, countedAt: batch.countedAt as Date, acknowledgedBy };
    });
  }

  async markPruning(batchId: string, countedAt: Date): Promise<boolean> {
    const { batches } = this.collections;
    await batches.updateOne(
      { _id: batchId, status: 'ACCEPTED', countedAt, pruningSince: null },
      { $set: { pruningSince: new Date() } },
    );
    return (await batches.findOne({ _id: batchId, pruningSince: { $ne: null } }, { projection: { _id: 1 } })) !== null;
  }

  async removePrices(batchId: string, maxPrices: number): Promise<number> {
    const { batches, prices, batchChunks } = this.collections;
    const marked = await batches.findOne({ _id: batchId, pruningSince: { $ne: null } }, { projection: { _id: 1 } });
    if (!marked) return 0;
    // Every attempt's prices: an unfinished attempt's leftovers go too.
    const ids = await prices
      .find({ _id: priceIdRange(batchId) }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(maxPrices)
      .toArray();
    const removed =
      ids.length === 0 ? 0 : (await prices.deleteMany({ _id: { $in: ids.map((d) => d._id) } })).deletedCount;
    if (ids.length < maxPrices) {
      await batchChunks.deleteMany({ _id: chunkIdRange(batchId) });
      await batches.updateOne({ _id: batchId, prunedAt: null }, { $set: { prunedAt: new Date() } });
    }
    return removed;
  }

  async hasPruned(): Promise<boolean> {
    return (
      (await this.collections.batches.findOne({ pruningSince: { $ne: null } }, { projection: { _id: 1 } })) !== null
    );
  }

  priceCount(): Promise<number> {
    return this.collections.prices.countDocuments({});
  }
}
