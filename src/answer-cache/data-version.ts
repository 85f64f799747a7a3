import { randomUUID } from 'node:crypto';
import type { AnalyticsReplica, ReplicationProgress } from '../stores/analytics';

/** What the analytics replica holds right now, as far as answers depend on it. */
export interface DataVersion {
  /** Changes whenever what the replica holds may have changed: part of every answer's key. */
  readonly token: string;
  /**
   * Every change of the feed up to this moment is counted: the time of the replica's newest
   * checkpoint (undefined before its first). Quiet checkpoints move it on without changing `token`.
   */
  readonly asOf: Date | undefined;
}

export interface DataVersionSource {
  /** Read before an answer is computed or looked up, never after. */
  current(): Promise<DataVersion>;
}

/**
 * The version of a replica written only by this process (chDB: one process holds its data directory,
 * and its replicator runs here). A counter of the writes, moved on after each one has finished, in a
 * `finally` (a write that failed midway may have changed something too); the epoch keeps the tokens
 * of two lifetimes of the process apart. No round trip: the embedded engine serves one query at a time,
 * so asking it on every request would cost what the cache saves.
 */
export class InProcessReplicaVersion implements DataVersionSource {
  private readonly epoch = randomUUID();
  private writes = 0;

  private constructor(private asOf: Date | undefined) {}

  /** Starts from the replica's newest checkpoint (its time is the first `asOf`). */
  static async of(replica: ReplicationProgress): Promise<InProcessReplicaVersion> {
    return new InProcessReplicaVersion((await replica.replicationCheckpoint())?.appliedAt);
  }

  current(): Promise<DataVersion> {
    return Promise.resolve({ token: `${this.epoch}.${this.writes}`, asOf: this.asOf });
  }

  /** The replica whose writes this version counts: give the replicator this one, not the original. */
  track(replica: AnalyticsReplica): AnalyticsReplica {
    const wrote = <T>(write: Promise<T>): Promise<T> => write.finally(() => void this.writes++);
    return {
      replicaId: () => replica.replicaId(),
      replicationCheckpoint: () => replica.replicationCheckpoint(),
      replicatedThrough: (batchIds) => replica.replicatedThrough(batchIds),
      batchStates: (batchIds) => replica.batchStates(batchIds),
      latestBatchStateVersion: () => replica.latestBatchStateVersion(),
      recordBatchStates: (records, version) => wrote(replica.recordBatchStates(records, version)),
      applyChanges: (changes) => wrote(replica.applyChanges(changes)),
      saveCheckpoint: async (checkpoint) => {
        await replica.saveCheckpoint(checkpoint);
        this.asOf = checkpoint.appliedAt;
      },
    };
  }
}

/**
 * The version of a replica that other processes write (a ClickHouse server, followed by a replicator
 * elsewhere): its identity and highest batch-state version, the latter read from the replica on every
 * question (the identity keeps the answers of two replicas sharing one Redis apart). Every write
 * of prices or of a retraction is followed by its outcome record (`counted`, `retracted`) at a higher
 * version before its batch is marked replicated (replication/pending-flush.ts), so a batch whose
 * `replicatedAt` is set is always within the version read after that.
 */
export class ReplicaStateVersion implements DataVersionSource {
  /** Asked once it has answered (the server may not be reachable when the process starts). */
  private replicaId: string | undefined;

  constructor(
    private readonly replica: Pick<AnalyticsReplica, 'replicaId' | 'latestBatchStateVersion' | 'replicationCheckpoint'>,
  ) {}

  async current(): Promise<DataVersion> {
    const [replicaId, version, checkpoint] = await Promise.all([
      this.replicaId ?? this.replica.replicaId(),
      this.replica.latestBatchStateVersion(),
      this.replica.replicationCheckpoint(),
    ]);
    this.replicaId = replicaId;
    return { token: `${replicaId}.${version}`, asOf: checkpoint?.appliedAt };
  }
}
