/**
 * Replicators for tests: the configuration's options (the replication module has no defaults of its
 * own), and events that go nowhere.
 */
import { loadConfig } from '../../src/config';
import type { Logger } from '../../src/logging/logger';
import { Replicator, type ReplicatorEvents, type ReplicatorOptions } from '../../src/replication';
import type { AnalyticsReplica } from '../../src/stores/analytics';
import type { OperationalStore } from '../../src/stores/operational';
import { silentLog } from './components';

/** The production values: the configuration's defaults. */
export const REPLICATOR_OPTIONS: ReplicatorOptions = loadConfig({}).replication;

/** Short waits and a short lease, so that tests spend their time replicating. */
export const FAST_REPLICATOR_OPTIONS: ReplicatorOptions = {
  ...REPLICATOR_OPTIONS,
  flushIntervalMs: 20,
  idleWaitMs: 20,
  leaseTtlMs: 2_000,
};

export const UNOBSERVED_REPLICATOR_EVENTS: ReplicatorEvents = {
  leaseAcquired: () => undefined,
  pricesReplicated: () => undefined,
  failed: () => undefined,
};

export function newReplicator(
  operational: Pick<OperationalStore, 'batches' | 'replicationLeases' | 'changeFeed' | 'replicas' | 'retention'>,
  replica: AnalyticsReplica,
  options: ReplicatorOptions,
  log: Logger = silentLog,
): Replicator {
  return new Replicator({ operational, replica, log, events: UNOBSERVED_REPLICATOR_EVENTS }, options);
}
