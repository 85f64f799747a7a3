import { isDeadProcessOfThisHost } from '../leases';
import type { Logger } from '../logging/logger';
import type { ReplicationLeases } from '../stores/operational';

/** Thrown when a renewal finds that another replicator took the lease over. */
export class LeaseLost extends Error {
  constructor() {
    super('The replication lease was taken over by another replicator');
  }
}

/**
 * One replicator's lease on one replica, kept in the operational store: only its holder writes to the
 * replica. A holder renews it every third of its TTL; one that stops renewing is replaced after it.
 */
export class ReplicaLease {
  constructor(
    private readonly leases: ReplicationLeases,
    readonly replicaId: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** How long a holder may go without renewing, and how long one standing by waits between tries. */
  get renewalIntervalMs(): number {
    return this.ttlMs / 3;
  }

  /**
   * Takes or renews the lease; true when this replicator holds it. A lease left by a process of this
   * host that no longer runs (killed, not stopped) is taken over at once instead of after it expires:
   * a restarted embedded service would otherwise wait out the whole TTL before analytics move again.
   */
  async acquire(): Promise<boolean> {
    const { leases, replicaId, holder, ttlMs } = this;
    if (await leases.acquire(replicaId, holder, ttlMs, new Date())) return true;
    const current = await leases.holder(replicaId);
    if (current === undefined || !isDeadProcessOfThisHost(current)) return false;
    this.log.warn({ replicaId, previousHolder: current }, 'taking over the lease of a replicator that died');
    return leases.acquire(replicaId, holder, ttlMs, new Date(), current);
  }

  /** Renews the lease this replicator holds; throws {@link LeaseLost} when another took it. */
  async renew(): Promise<void> {
    if (!(await this.acquire())) throw new LeaseLost();
  }

  release(): Promise<void> {
    return this.leases.release(this.replicaId, this.holder);
  }
}
