/**
 * The rules of operational-store retention (docs/architecture.md, "Retention"). A batch's prices may
 * leave the operational store once analytics hold them for good: the batch is `ACCEPTED` and counted,
 * it was counted longer ago than the retention, and every analytics replica that follows the store has
 * acknowledged its current commit. A replica silent for longer than the retirement period no longer
 * holds retention back: it is retired, and refuses to replicate if it ever comes back.
 */

/** An analytics replica as the operational store knows it. */
export interface ReplicaRecord {
  readonly replicaId: string;
  readonly registeredAt: Date;
  /** The last time its replicator said it was there (a heartbeat or an acknowledgement). */
  readonly heardAt: Date;
  /** Set once the replica was retired; it then never replicates again. */
  readonly retiredAt: Date | null;
}

/** A batch whose prices are still in the operational store and that retention may consider. */
export interface RetentionCandidate {
  readonly batchId: string;
  /** When its prices were first counted in analytics (`replicatedAt`). */
  readonly countedAt: Date;
  /** Replicas that acknowledged the batch's current commit (not an earlier one, before a restore). */
  readonly acknowledgedBy: ReadonlySet<string>;
}

export interface RetentionPolicy {
  /** How long after being counted a batch's prices stay in the operational store. */
  readonly retentionMs: number;
  /** How long a replica may stay silent before it is retired. */
  readonly retireAfterMs: number;
}

/** The replicas that hold retention back at `now`: those not retired (a silent one is retired first). */
export const activeReplicas = (replicas: readonly ReplicaRecord[]): ReplicaRecord[] =>
  replicas.filter((r) => r.retiredAt === null);

/** The active replicas silent since before `now - retireAfterMs`, to be retired. */
export const replicasToRetire = (replicas: readonly ReplicaRecord[], policy: RetentionPolicy, now: Date): string[] =>
  activeReplicas(replicas)
    .filter((r) => now.getTime() - r.heardAt.getTime() > policy.retireAfterMs)
    .map((r) => r.replicaId);

/** Counted longer ago than the retention: the only batches worth asking the replicas about. */
export const countedBefore = (policy: RetentionPolicy, now: Date): Date => new Date(now.getTime() - policy.retentionMs);

/**
 * Whether a candidate's prices may go: counted before the cutoff and acknowledged by every active
 * replica. With no active replica at all nothing goes: analytics may hold nothing yet.
 */
export function mayPrune(
  candidate: RetentionCandidate,
  replicas: readonly ReplicaRecord[],
  policy: RetentionPolicy,
  now: Date,
): boolean {
  const active = activeReplicas(replicas);
  return (
    active.length > 0 &&
    candidate.countedAt.getTime() <= countedBefore(policy, now).getTime() &&
    active.every((r) => candidate.acknowledgedBy.has(r.replicaId))
  );
}
