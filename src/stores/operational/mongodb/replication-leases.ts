import type { Collection } from 'mongodb';
import type { ReplicationLeases } from '../ports';
import type { LeaseDocument } from './documents';
import { isDuplicateKey } from './errors';

/** One lease document per analytics replica, keyed by its id. */
export class MongoReplicationLeases implements ReplicationLeases {
  constructor(private readonly leases: Collection<LeaseDocument>) {}

  /**
   * Renews the holder's lease, or takes one that expired or whose holder the caller replaces, in one
   * update. When someone else's lease is still running, the filter matches nothing and the upsert's
   * insert collides on `_id`: the answer is no.
   */
  async acquire(replicaId: string, holder: string, ttlMs: number, now: Date, replacing?: string): Promise<boolean> {
    const holders = replacing === undefined ? [holder] : [holder, replacing];
    try {
      const result = await this.leases.updateOne(
        { _id: replicaId, $or: [{ holder: { $in: holders } }, { expiresAt: { $lte: now } }] },
        { $set: { holder, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      );
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async holder(replicaId: string): Promise<string | undefined> {
    return (await this.leases.findOne({ _id: replicaId }))?.holder;
  }

  async release(replicaId: string, holder: string): Promise<void> {
    await this.leases.deleteOne({ _id: replicaId, holder });
  }
}
