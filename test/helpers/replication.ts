/**
 * Replicators for tests: every option written out (the replication module has no defaults), and
 * events that go nowhere.
 */
import type { Logger } from '../../src/logging/logger';
import { Replicator, type ReplicatorEvents, type ReplicatorOptions } from '../../src/replication';
import type { AnalyticsReplica } from '../../src/stores/analytics';
import type { OperationalStore } from '../../src/stores/operational';
import { silentLog } from './components';

/** The production values (config's defaults, and rateline.ts's constants for the two config lacks). */
export const REPLICATOR_OPTIONS: ReplicatorOptions = {
  flushMaxPrices: 200_000,
  flushIntervalMs: 250,
  leaseTtlMs: 15_000,
  idleWaitMs: 500,
  maxBackoffMs: 10_000,
  batchSlicePrices: 25_000,
};

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
  operational: Pick<OperationalStore, 'batches' | 'replicationLeases' | 'changeFeed'>,
  replica: AnalyticsReplica,
  options: ReplicatorOptions,
  log: Logger = silentLog,
): Replicator {
  return new Replicator({ operational, replica, log, events: UNOBSERVED_REPLICATOR_EVENTS }, options);
}
