import type { ReplicationCheckpoint } from '../stores/analytics';
import { PendingFlush } from './pending-flush';
import type { ReplicaLease } from './replica-lease';

/**
 * One stretch of following the feed while holding the lease, from the checkpoint it started at until
 * a failure, a lost lease or the stop: what it has pending, the version of its next checkpoint,
 * whether it has checked the replica for changes an earlier run applied, and when it last renewed the
 * lease. A failure ends the session; the next one starts again from the replica's checkpoint.
 */
export class ReplicationSession {
  readonly pending = new PendingFlush();
  private checkpointVersion: number;
  /** Until the first flush has checked the replica, changes may repeat what an earlier run applied. */
  private replicaChecked = false;
  private leaseRenewedAt = Date.now();

  constructor(
    private readonly lease: ReplicaLease,
    startedFrom: ReplicationCheckpoint | undefined,
  ) {
    this.checkpointVersion = startedFrom?.version ?? 0;
  }

  /** The version of the next checkpoint this session saves (each is newer than the last). */
  nextCheckpointVersion(): number {
    return ++this.checkpointVersion;
  }

  /** True until a flush has asked the replica which batches it already holds. */
  get mayRepeatAppliedChanges(): boolean {
    return !this.replicaChecked;
  }

  /** A flush asked the replica and applied: from now on the feed brings only changes new to it. */
  replicaWasChecked(): void {
    this.replicaChecked = true;
  }

  /** The feed starts over from a snapshot: its changes may again repeat what the replica holds. */
  feedRestarted(): void {
    this.pending.discard();
    this.replicaChecked = false;
  }

  /** Renews the lease now (before every write); throws LeaseLost when another replicator took it. */
  async renewLease(): Promise<void> {
    await this.lease.renew();
    this.leaseRenewedAt = Date.now();
  }

  /** Renews the lease when a third of its TTL has passed since the last renewal. */
  async renewLeaseIfDue(): Promise<void> {
    if (Date.now() - this.leaseRenewedAt < this.lease.renewalIntervalMs) return;
    await this.renewLease();
  }
}
