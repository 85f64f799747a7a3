import type { ReplicationProgress } from '../stores/analytics';
import type { ChangeFeed } from '../stores/operational';

export interface ReplicationStatus {
  /** How long the oldest change not yet in analytics has been waiting; 0 when caught up. */
  readonly lagMs: number;
  readonly lastAppliedAt: Date | null;
  readonly pendingChanges: number;
}

/**
 * How far the analytics replica trails the operational store, computed from the checkpoint kept in
 * the replica and the feed itself, so it is right whichever process runs the replicator.
 */
export class ReplicationMonitor {
  constructor(
    private readonly feed: ChangeFeed,
    private readonly replica: ReplicationProgress,
  ) {}

  async status(now: Date = new Date()): Promise<ReplicationStatus> {
    const checkpoint = await this.replica.replicationCheckpoint();
    const backlog = await this.feed.backlog(checkpoint?.position ?? null);
    return {
      lagMs: backlog.oldestAt === null ? 0 : Math.max(0, now.getTime() - backlog.oldestAt.getTime()),
      lastAppliedAt: checkpoint?.appliedAt ?? null,
      pendingChanges: backlog.changes,
    };
  }
}
