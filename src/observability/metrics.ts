import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreName } from '../domain/errors';
import type { AnswerCacheMetrics, AnswerOutcome } from '../answer-cache';
import type { BatchOutcome, IngestEvents } from '../ingest';
import type { LimitEvents, WriteTurnEvents } from '../limits';
import type { ReplicatorEvents } from '../replication';
import type { RetentionEvents } from '../retention';
import type { FeedRestartReason, MongoChangeFeedEvents } from '../stores/operational';

/**
 * Every Prometheus metric Rateline exports, in one registry per process, behind functions named after
 * what happened (`recordStoreError`, …) and event objects ({@link ingestMetrics} for the write path,
 * {@link replicatorMetrics} for the replicator), so that the code that observes never handles metric
 * objects or label names. `GET /metrics` (API) and the operations port of the replicator
 * (`METRICS_PORT`) serve {@link metricsText}.
 */
const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const METRICS_CONTENT_TYPE = registry.contentType;

const operationDuration = new Histogram({
  name: 'rateline_graphql_operation_duration_seconds',
  help: 'GraphQL operations from receipt to response, by operation name, type and outcome',
  labelNames: ['operation', 'type', 'outcome'] as const,
  // From a cached port lookup (~2 ms) to a 100,000-item batch (seconds).
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

const pricesAccepted = new Counter({
  name: 'rateline_prices_accepted_total',
  help: 'Prices recorded durably in the operational store (acknowledged to a client)',
  registers: [registry],
});

const batchOutcomes = new Counter({
  name: 'rateline_batches_total',
  help: 'Batch submissions by outcome: accepted, rejected (no valid item), refused (invalid, nothing written), replayed (same idempotency key and content), conflict (key reused), failed (store error)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const storeErrors = new Counter({
  name: 'rateline_store_errors_total',
  help: 'Failed store operations, by store, operation and kind (unavailable: the store could not be reached)',
  labelNames: ['store', 'operation', 'kind'] as const,
  registers: [registry],
});

const replicationFailures = new Counter({
  name: 'rateline_replication_failures_total',
  help: 'Replicator attempts that failed and will be retried after a backoff',
  registers: [registry],
});

const replicationApplied = new Counter({
  name: 'rateline_replication_applied_prices_total',
  help: 'Prices this process copied into analytics',
  registers: [registry],
});

const leaseAcquisitions = new Counter({
  name: 'rateline_replication_lease_acquired_total',
  help: 'Times a replicator of this process took the replication lease (a change of holder)',
  registers: [registry],
});

/** What the lag gauges read at scrape time (the replica's checkpoint against the feed). */
export interface ReplicationStatusSource {
  status(): Promise<{ readonly lagMs: number; readonly pendingChanges: number }>;
}

/**
 * One read per scrape, shared by the gauges that show it: prom-client collects every metric at once,
 * so each gauge awaits the same read instead of reading what the previous scrape left.
 */
function oneReadPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    if (!inFlight) {
      const current = read();
      inFlight = current;
      void current.finally(() => {
        if (inFlight === current) inFlight = undefined;
      });
    }
    return inFlight;
  };
}

let replicationSource: ReplicationStatusSource | undefined;

const readReplicationStatus = oneReadPerScrape(
  async (): Promise<{ lagMs: number; pendingChanges: number } | undefined> => {
    if (!replicationSource) return undefined;
    try {
      return { ...(await replicationSource.status()) };
    } catch {
      // A store that does not answer is counted as a store error where it failed; the gauges keep
      // their last value and rateline_replication_status_up says it is stale.
      return undefined;
    }
  },
);

new Gauge({
  name: 'rateline_replication_lag_seconds',
  help: 'Age of the oldest change not yet applied to analytics (0 when caught up)',
  registers: [registry],
  async collect() {
    const status = await readReplicationStatus();
    if (status) this.set(status.lagMs / 1000);
  },
});

new Gauge({
  name: 'rateline_replication_pending_changes',
  help: 'Batch commits and retractions not yet applied to analytics',
  registers: [registry],
  async collect() {
    const status = await readReplicationStatus();
    if (status) this.set(status.pendingChanges);
  },
});

new Gauge({
  name: 'rateline_replication_status_up',
  help: '1 when the replication status could be read at this scrape, 0 when a store did not answer',
  registers: [registry],
  async collect() {
    this.set((await readReplicationStatus()) ? 1 : 0);
  },
});

/** Lag gauges follow this source from now on; the returned function stops that. */
export function observeReplication(source: ReplicationStatusSource): () => void {
  replicationSource = source;
  return () => {
    if (replicationSource === source) replicationSource = undefined;
  };
}

/** What the batch-queue gauges read at scrape time (the operational store's work queue). */
export interface BatchQueueSource {
  depth(now: Date): Promise<{
    readonly waiting: number;
    readonly inWork: number;
    readonly oldestWaitingCreatedAt: Date | undefined;
  }>;
}

let batchQueueSource: BatchQueueSource | undefined;
interface BatchQueueReading {
  readonly waiting: number;
  readonly inWork: number;
  readonly oldestAgeSeconds: number;
}
const readBatchQueue = oneReadPerScrape(() =>
  batchQueueSource ? readBatchQueueOf(batchQueueSource) : Promise.resolve(undefined),
);

async function readBatchQueueOf(source: BatchQueueSource): Promise<BatchQueueReading | undefined> {
  const now = new Date();
  try {
    const { waiting, inWork, oldestWaitingCreatedAt: oldest } = await source.depth(now);
    return { waiting, inWork, oldestAgeSeconds: oldest ? Math.max(0, now.getTime() - oldest.getTime()) / 1000 : 0 };
  } catch {
    // Counted as a store error where it failed; rateline_batch_queue_status_up says so.
    return undefined;
  }
}

const batchQueueGauge = (name: string, help: string, value: (reading: BatchQueueReading) => number): void => {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const reading = await readBatchQueue();
      if (reading) this.set(value(reading));
    },
  });
};

batchQueueGauge(
  'rateline_batch_queue_waiting',
  'Committed chunked batches waiting for a worker (never claimed, handed back, or left by a worker whose lease ran out)',
  (reading) => reading.waiting,
);
batchQueueGauge(
  'rateline_batch_queue_in_work',
  'Chunked batches a worker is processing under a running lease',
  (reading) => reading.inWork,
);
batchQueueGauge(
  'rateline_batch_queue_oldest_waiting_age_seconds',
  'Age of the oldest batch waiting for a worker, since it was created (0 when none waits)',
  (reading) => reading.oldestAgeSeconds,
);

new Gauge({
  name: 'rateline_batch_queue_status_up',
  help: '1 when the batch queue could be read at this scrape, 0 when the operational store did not answer',
  registers: [registry],
  async collect() {
    this.set((await readBatchQueue()) ? 1 : 0);
  },
});

/** The batch-queue gauges follow this source from now on; the returned function stops that. */
export function observeBatchQueue(source: BatchQueueSource): () => void {
  batchQueueSource = source;
  return () => {
    if (batchQueueSource === source) batchQueueSource = undefined;
  };
}

/**
 * The operation names Rateline's own clients send: the pages (web/), the examples and the docs (a unit
 * test keeps this list equal to theirs). Only these become label values.
 */
export const KNOWN_OPERATION_NAMES: ReadonlySet<string> = new Set([
  'Analysis',
  'BatchStatus',
  'FilteredRates',
  'Locations',
  'Rates',
  'Series',
  'SubmitPrices',
]);

/**
 * Bounds the label's cardinality: clients choose operation names, so an unnamed operation is
 * `anonymous` and any name not in {@link KNOWN_OPERATION_NAMES} is `other` (a first-come quota would let
 * junk names take every slot).
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return KNOWN_OPERATION_NAMES.has(name) ? name : 'other';
}

export function recordGraphqlOperation(
  name: string | null | undefined,
  type: string | undefined,
  outcome: 'ok' | 'error',
  seconds: number,
): void {
  operationDuration.observe({ operation: operationLabel(name), type: type ?? 'unknown', outcome }, seconds);
}

/** The write path's events (IngestService, BatchWorker) as `rateline_batches_total` and `rateline_prices_accepted_total`. */
export const ingestMetrics: IngestEvents = {
  batchOutcome(outcome: BatchOutcome): void {
    batchOutcomes.inc({ outcome });
  },
  pricesAccepted(count: number): void {
    if (count > 0) pricesAccepted.inc(count);
  },
};

export function recordStoreError(store: StoreName, operation: string, kind: 'unavailable' | 'other'): void {
  storeErrors.inc({ store, operation, kind });
}

/** The replicator's events as its lease, replicated-prices and failure counters. */
export const replicatorMetrics: ReplicatorEvents = {
  leaseAcquired(): void {
    leaseAcquisitions.inc();
  },
  pricesReplicated(count: number): void {
    if (count > 0) replicationApplied.inc(count);
  },
  failed(): void {
    replicationFailures.inc();
  },
};

const rateLimited = new Counter({
  name: 'rateline_rate_limited_total',
  help: 'Calls refused with RATE_LIMITED (or, for a write that waited too long for a turn, SERVICE_SATURATED), by the setting that refused them',
  labelNames: ['limit'] as const,
  registers: [registry],
});

const sharedLimitsUp = new Gauge({
  name: 'rateline_rate_limits_shared_up',
  help: '1 while request rates are shared through Redis (REDIS_URL); 0 without REDIS_URL or while Redis does not answer',
  registers: [registry],
});

/** The limits' refusals. */
export const limitMetrics: LimitEvents = {
  refused(limit: string): void {
    rateLimited.inc({ limit });
  },
};

const writeTurnWait = new Histogram({
  name: 'rateline_write_turn_wait_seconds',
  help: 'How long a write (a mutation, a part of a rate sheet) waited for its turn on the write path',
  buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

let writeTurnsSource: { readonly waiting: number } | undefined;

new Gauge({
  name: 'rateline_write_turns_waiting',
  help: 'Writes waiting for a turn on the write path of this process, all callers together',
  registers: [registry],
  collect() {
    this.set(writeTurnsSource?.waiting ?? 0);
  },
});

/** The write turns' waits and refusals. */
export const writeTurnMetrics: WriteTurnEvents = {
  refused: (limit) => limitMetrics.refused(limit),
  started(waitedMs: number): void {
    writeTurnWait.observe(waitedMs / 1000);
  },
};

/** The waiting gauge follows these turns from now on; the returned function stops that. */
export function observeWriteTurns(turns: { readonly waiting: number }): () => void {
  writeTurnsSource = turns;
  return () => {
    if (writeTurnsSource === turns) writeTurnsSource = undefined;
  };
}

const answerRequests = new Counter({
  name: 'rateline_answer_cache_requests_total',
  help: 'Analytical questions asked through the answer cache: hit (kept), miss (computed), coalesced (waited for an identical one in flight)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const sharedAnswerFailures = new Counter({
  name: 'rateline_answer_cache_redis_failures_total',
  help: 'Redis commands of the answer cache that failed or timed out (the answer was computed here instead), by operation',
  labelNames: ['operation'] as const,
  registers: [registry],
});

const sharedAnswersUp = new Gauge({
  name: 'rateline_answer_cache_shared_up',
  help: '1 while answers are shared through Redis (REDIS_URL); 0 without REDIS_URL or while Redis does not answer',
  registers: [registry],
});

/** The answer cache's outcomes and its failed Redis commands, as `rateline_answer_cache_*`. */
export const answerCacheMetrics: AnswerCacheMetrics = {
  answered(outcome: AnswerOutcome): void {
    answerRequests.inc({ outcome });
  },
  sharedStoreFailed(operation: 'get' | 'set'): void {
    sharedAnswerFailures.inc({ operation });
  },
};

/** The process's Redis connection (src/redis) answers or not: what each of its users shares follows it. */
export function recordRedisAvailability(available: boolean): void {
  sharedLimitsUp.set(available ? 1 : 0);
  sharedAnswersUp.set(available ? 1 : 0);
}

const feedRestarts = new Counter({
  name: 'rateline_change_feed_restarts_total',
  help: 'Followers of the MongoDB change feed that had to start over from a snapshot, by reason (docs/operational-store-mongodb.md)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

/** The MongoDB change feed's restarts from a snapshot as `rateline_change_feed_restarts_total`. */
export const changeFeedMetrics: MongoChangeFeedEvents = {
  restartRequired(reason: FeedRestartReason): void {
    feedRestarts.inc({ reason });
  },
};

const retentionRemovedPrices = new Counter({
  name: 'rateline_retention_removed_prices_total',
  help: 'Prices retention removed from the operational store (their history stays in analytics)',
  registers: [registry],
});

const retentionPrunedBatches = new Counter({
  name: 'rateline_retention_pruned_batches_total',
  help: 'Batches whose prices retention removed from the operational store (their records stay)',
  registers: [registry],
});

const replicasRetired = new Counter({
  name: 'rateline_replicas_retired_total',
  help: 'Analytics replicas retired after staying silent longer than REPLICA_RETIRE_AFTER',
  registers: [registry],
});

/** The retention job's events as its counters. */
export const retentionMetrics: RetentionEvents = {
  pricesRemoved(count: number): void {
    if (count > 0) retentionRemovedPrices.inc(count);
  },
  batchesPruned(count: number): void {
    retentionPrunedBatches.inc(count);
  },
  replicasRetired(count: number): void {
    replicasRetired.inc(count);
  },
};

/** The Prometheus text exposition of every metric of this process. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}
