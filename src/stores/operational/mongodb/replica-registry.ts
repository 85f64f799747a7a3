import type { AnyBulkWriteOperation } from 'mongodb';
import type { ReplicaRecord } from '../../../domain/retention';
import type { BatchChange } from '../change-feed';
import type { ReplicaRegistry } from '../ports';
import type { MongoCollections, ReplicaAckDocument, ReplicaDocument } from './documents';

const toRecord = (doc: ReplicaDocument): ReplicaRecord => ({
  replicaId: doc._id,
  registeredAt: doc.registeredAt,
  heardAt: doc.heardAt,
  // FerretDB 1.24 leaves a null of `$setOnInsert` out of the document.
  retiredAt: doc.retiredAt ?? null,
});

const ackId = (batchId: string, replicaId: string): string => `${batchId}/${replicaId}`;

/**
 * The replica registry on MongoDB, without transactions: a registration is inserted before the
 * acknowledgements it copies, so a crash in between leaves a replica that acknowledged too little,
 * which only holds retention back (until it catches up, or is retired), never lets it remove too much.
 */
export class MongoReplicaRegistry implements ReplicaRegistry {
  constructor(private readonly collections: Pick<MongoCollections, 'replicas' | 'replicaAcks'>) {}

  async heartbeat(
    replicaId: string,
    at: Date,
    acknowledgementsOf?: string,
  ): Promise<{ readonly replica: ReplicaRecord; readonly registered: boolean }> {
    const { replicas, replicaAcks } = this.collections;
    const inserted = await replicas.updateOne(
      { _id: replicaId },
      { $setOnInsert: { registeredAt: at, heardAt: at, retiredAt: null } },
      { upsert: true },
    );
    const registered = inserted.upsertedCount === 1;
    if (registered && acknowledgementsOf !== undefined) {
      const copies = await replicaAcks.find({ replicaId: acknowledgementsOf }).toArray();
      if (copies.length > 0) {
        await replicaAcks.bulkWrite(
          copies.map((ack) => this.upsertAck(ack.batchId, replicaId, ack.commitAt)),
          { ordered: false },
        );
      }
    }
    await replicas.updateOne({ _id: replicaId, retiredAt: null }, { $max: { heardAt: at } });
    const doc = await replicas.findOne({ _id: replicaId });
    if (!doc) throw new Error(`Replica ${replicaId} vanished while registering`);
    return { replica: toRecord(doc), registered };
  }

  async acknowledge(replicaId: string, changes: readonly BatchChange[], at: Date): Promise<void> {
    const { replicas, replicaAcks } = this.collections;
    const active = await replicas.findOne({ _id: replicaId, retiredAt: null });
    if (!active) return;
    const acks = changes.filter((c) => c.kind === 'committed').map((c) => this.upsertAck(c.batchId, replicaId, c.at));
    if (acks.length > 0) await replicaAcks.bulkWrite(acks, { ordered: false });
    await replicas.updateOne({ _id: replicaId, retiredAt: null }, { $max: { heardAt: at } });
  }

  async unregister(replicaId: string): Promise<void> {
    await this.collections.replicaAcks.deleteMany({ replicaId });
    await this.collections.replicas.deleteOne({ _id: replicaId });
  }

  async replicas(): Promise<ReplicaRecord[]> {
    const docs = await this.collections.replicas.find({}).sort({ registeredAt: 1, _id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async retire(replicaIds: readonly string[], silentSince: Date, at: Date): Promise<string[]> {
    const retired: string[] = [];
    for (const id of replicaIds) {
      const result = await this.collections.replicas.updateOne(
        { _id: id, retiredAt: null, heardAt: { $lt: silentSince } },
        { $set: { retiredAt: at } },
      );
      if (result.modifiedCount === 1) retired.push(id);
    }
    return retired;
  }

  /** An acknowledgement moves only forward: a replay of an older commit does not undo a newer one. */
  private upsertAck(batchId: string, replicaId: string, commitAt: Date): AnyBulkWriteOperation<ReplicaAckDocument> {
    return {
      updateOne: {
        filter: { _id: ackId(batchId, replicaId) },
        update: { $setOnInsert: { batchId, replicaId }, $max: { commitAt } },
        upsert: true,
      },
    };
  }
}
