import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { newLeaseHolder } from '../leases';
import type { Logger } from '../logging/logger';
import type { AnalyticsStore, ReplicaSnapshot } from '../stores/analytics';
import type { OperationalStore } from '../stores/operational';
import { ReplicaLease } from './replica-lease';

export interface ReplicaBootstrapDependencies {
  readonly operational: Pick<OperationalStore, 'replicationLeases' | 'replicas'>;
  readonly analytics: Pick<AnalyticsStore, 'replica' | 'snapshots'>;
  readonly log: Logger;
  /** The replication lease's TTL: the export holds the lease, renewing it as a replicator does. */
  readonly leaseTtlMs: number;
}

/**
 * `npm run analytics:export -- FILE`: writes a consistent snapshot of this process's replica. It holds
 * the replica's lease throughout (its replicator must be stopped, or stand by), so nothing writes to the
 * replica meanwhile, and registers the replica-to-be with the operational store first, with this
 * replica's acknowledgements: from then on retention waits for it too, so nothing the file lacks can
 * leave the store before the new replica has followed the feed past it.
 */
export async function exportReplica(deps: ReplicaBootstrapDependencies, file: string): Promise<ReplicaSnapshot> {
  const { operational, analytics, log, leaseTtlMs } = deps;
  const replicaId = await analytics.replica.replicaId();
  const lease = new ReplicaLease(operational.replicationLeases, replicaId, newLeaseHolder(), leaseTtlMs, log);
  await acquireWithin(lease, 2 * leaseTtlMs, operational);
  let lost: Error | undefined;
  const renewal = setInterval(() => {
    lease.renew().catch((error: unknown) => {
      lost = error instanceof Error ? error : new Error(String(error));
    });
  }, lease.renewalIntervalMs);
  const newReplicaId = randomUUID();
  try {
    await operational.replicas.heartbeat(newReplicaId, new Date(), replicaId);
    const snapshot = await analytics.snapshots.exportTo(file, newReplicaId);
    // A lease lost midway means another replicator may have written while the file was read.
    await lease.renew();
    if (lost !== undefined) throw lost;
    return snapshot;
  } catch (error) {
    await operational.replicas.unregister(newReplicaId);
    throw error;
  } finally {
    clearInterval(renewal);
    await lease.release();
  }
}

/**
 * `npm run analytics:import -- FILE`: loads another replica's export into this process's replica (it
 * must not follow a feed yet), which then follows the feed from the position the file reflects. The
 * file must name a replica the operational store registered at its export and has not retired.
 */
export async function importReplica(
  deps: Pick<ReplicaBootstrapDependencies, 'operational' | 'analytics'>,
  file: string,
): Promise<ReplicaSnapshot> {
  const { operational, analytics } = deps;
  return analytics.snapshots.importFrom(file, async (snapshot) => {
    const registered = (await operational.replicas.replicas()).find((r) => r.replicaId === snapshot.replicaId);
    if (!registered) {
      throw new Error(
        `${file} was exported for replica ${snapshot.replicaId}, which this operational store does not know: ` +
          'export it again from a replica that follows this store',
      );
    }
    if (registered.retiredAt !== null) {
      throw new Error(
        `${file} is older than REPLICA_RETIRE_AFTER: the replica it was exported for was retired at ` +
          `${registered.retiredAt.toISOString()}, and retention no longer waited for it; export again`,
      );
    }
  });
}

async function acquireWithin(
  lease: ReplicaLease,
  waitMs: number,
  operational: Pick<OperationalStore, 'replicationLeases'>,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await lease.acquire())) {
    if (Date.now() >= deadline) {
      const holder = await operational.replicationLeases.holder(lease.replicaId);
      throw new Error(
        `the replication lease of replica ${lease.replicaId} is held by ${holder ?? 'another process'}: ` +
          'stop its replicator (embedded: the node itself) and run the export again',
      );
    }
    await sleep(lease.renewalIntervalMs);
  }
}
