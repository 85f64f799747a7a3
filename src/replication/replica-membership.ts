import type { BatchChange, FeedPosition, OperationalStore } from '../stores/operational';
import type { ReplicationCheckpoint } from '../stores/analytics';

/** What an operator runs to give a replica the history the operational store no longer holds. */
export const BOOTSTRAP_COMMANDS =
  'stop this process, run `npm run analytics:export -- FILE` against an up-to-date replica, then ' +
  "`npm run analytics:import -- FILE` with this process's configuration (its analytics must be empty), and start it again";

/** The replicator must not write to this replica: it would count less than the others (it stays stopped). */
export class ReplicaRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaRefused';
  }
}

/**
 * A replica's membership in the operational store's replica registry, as its replicator keeps it:
 * joins at the start of every session (and is refused when it cannot be complete), says it is there at
 * least every `heartbeatIntervalMs` while it writes, and acknowledges what it applied, so that
 * retention waits for it (docs/architecture.md, "Retention").
 */
export class ReplicaMembership {
  private heardAt = 0;

  constructor(
    private readonly operational: Pick<OperationalStore, 'replicas' | 'retention'>,
    readonly replicaId: string,
    private readonly heartbeatIntervalMs: number,
  ) {}

  /**
   * Joins the registry and answers where to follow the feed from. A replica registered for the first
   * time replays the feed from its start (its batch states skip what it holds), so that it acknowledges
   * everything it holds; that is refused once retention has removed prices, since the feed no longer
   * carries them: such a replica must be bootstrapped from another's export. A retired one is refused.
   */
  async join(checkpoint: ReplicationCheckpoint | undefined): Promise<FeedPosition | null> {
    const { registered } = await this.heartbeat();
    if (!registered) return checkpoint?.position ?? null;
    if (await this.operational.retention.hasPruned()) {
      await this.operational.replicas.unregister(this.replicaId);
      throw new ReplicaRefused(
        `analytics replica ${this.replicaId} is not registered with the operational store, which has already ` +
          `removed prices older than OPERATIONAL_RETENTION: following the feed would count less. To bootstrap it, ` +
          BOOTSTRAP_COMMANDS,
      );
    }
    return null;
  }

  /** Says the replica is there when a heartbeat is due; throws {@link ReplicaRefused} once it was retired. */
  async confirm(): Promise<void> {
    if (Date.now() - this.heardAt >= this.heartbeatIntervalMs) await this.heartbeat();
  }

  acknowledge(changes: readonly BatchChange[], at: Date): Promise<void> {
    return this.operational.replicas.acknowledge(this.replicaId, changes, at);
  }

  private async heartbeat(): Promise<{ readonly registered: boolean }> {
    const { replica, registered } = await this.operational.replicas.heartbeat(this.replicaId, new Date());
    if (replica.retiredAt !== null) {
      throw new ReplicaRefused(
        `analytics replica ${this.replicaId} was retired at ${replica.retiredAt.toISOString()} after staying silent ` +
          `longer than REPLICA_RETIRE_AFTER; retention may have removed prices it never applied. To rebuild it, ` +
          BOOTSTRAP_COMMANDS,
      );
    }
    this.heardAt = Date.now();
    return { registered };
  }
}
