import type { ReplicationCheckpoint } from '../stores/analytics';
import { PendingFlush } from './pending-flush';
import type { ReplicaLease } from './replica-lease';
import type { ReplicaMembership } from './replica-membership';

/**
 * One stretch of following the feed while holding the lease, from the checkpoint it started at until
 * a failure, a lost lease or the stop: what it has pending, the versions of its next checkpoint and
 * of the next batch states it records, and when it last renewed the lease. A failure ends the session;
 * the next one starts again from the replica's checkpoint.
 */
export class ReplicationSession {
  readonly pending = new PendingFlush();
  private checkpointVersion: number;
  private stateVersion: number;
  private leaseRenewedAt = Date.now();

  /** `latestStateVersion`: the replica's highest batch-state version, read after taking the lease. */
  constructor(
    private readonly lease: ReplicaLease,
    readonly membership: ReplicaMembership,
    startedFrom: ReplicationCheckpoint | undefined,
    latestStateVersion: number,
  ) {
    this.checkpointVersion = startedFrom?.version ?? 0;
    this.stateVersion = latestStateVersion;
  }

  /** The version of the next checkpoint this session saves (each is newer than the last). */
  nextCheckpointVersion(): number {
    return ++this.checkpointVersion;
  }

  /**
   * The version of the next batch states this session records: above every one recorded before,
   * including those of an earlier session that failed before its checkpoint (whose checkpoint
   * versions this session reuses).
   */
  nextStateVersion = (): number => ++this.stateVersion;

  /** The feed starts over from a snapshot: what is pending will come again. */
  feedRestarted(): void {
    this.pending.discard();
  }

  /**
   * Renews the lease now (before every write); throws LeaseLost when another replicator took it, and
   * ReplicaRefused when the replica was retired meanwhile.
   */
  async renewLease(): Promise<void> {
    await this.lease.renew();
    this.leaseRenewedAt = Date.now();
    await this.membership.confirm();
  }

  /** Renews the lease when a third of its TTL has passed since the last renewal. */
  async renewLeaseIfDue(): Promise<void> {
    if (Date.now() - this.leaseRenewedAt < this.lease.renewalIntervalMs) return;
    await this.renewLease();
  }
}
