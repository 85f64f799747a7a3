/**
 * Retention for tests: a real retention job over a real operational store, and analytics replicas in
 * directories of their own. chDB allows one data directory per process, so the replicas of a test
 * ("several embedded nodes") take turns: each is opened, replicates until caught up, and is closed.
 */
import path from 'node:path';
import { clickHouseStoreOptions } from '../../src/app/rateline';
import { parseDay } from '../../src/domain/day';
import type { Batch } from '../../src/domain/batch';
import type { IngestService, SubmitPriceBatchInput } from '../../src/ingest';
import type { Logger } from '../../src/logging/logger';
import { RetentionJob, type RetentionEvents } from '../../src/retention';
import { openClickHouseAnalyticsStore, type AnalyticsStore } from '../../src/stores/analytics';
import type { OperationalStore } from '../../src/stores/operational';
import { TEST_SUPPLIER } from './batch-actors';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from './replication';
import { silentLog, testConfig } from './components';

export const HOUR_MS = 3_600_000;

/** Counts what the job reports, as the metrics would. */
export function countingRetentionEvents(): RetentionEvents & { removed: number; pruned: number; retired: number } {
  const counts = {
    removed: 0,
    pruned: 0,
    retired: 0,
    pricesRemoved: (n: number) => {
      counts.removed += n;
    },
    batchesPruned: (n: number) => {
      counts.pruned += n;
    },
    replicasRetired: (n: number) => {
      counts.retired += n;
    },
  };
  return counts;
}

/** A retention job with an hour's retention and a day's retirement, small steps; rounds are run by the test. */
export function newRetentionJob(
  operational: OperationalStore,
  events: RetentionEvents = countingRetentionEvents(),
  log: Logger = silentLog,
): RetentionJob {
  return new RetentionJob(operational, events, log, {
    retentionMs: HOUR_MS,
    retireAfterMs: 24 * HOUR_MS,
    intervalMs: 1_000,
    batchesPerRound: 100,
    pricesPerStep: 7,
    maxBackoffMs: 1_000,
  });
}

/** Later than the retention after now: every batch counted so far may go, as far as time goes. */
export const pastTheRetention = (): Date => new Date(Date.now() + HOUR_MS + 1_000);

/** The analytics replica of one embedded node: chDB under `<dataDir>/analytics-<node>`. */
export function openNodeReplica(dataDir: string, node: string): Promise<AnalyticsStore> {
  const config = testConfig(dataDir, { ANALYTICS_DATA_DIR: path.join(dataDir, `analytics-${node}`) });
  return openClickHouseAnalyticsStore(clickHouseStoreOptions(config.clickhouse));
}

/** Runs a replicator on the replica until it holds every change made so far, then stops it. */
export async function replicateUntilCaughtUp(operational: OperationalStore, analytics: AnalyticsStore): Promise<void> {
  const replicator = newReplicator(operational, analytics.replica, FAST_REPLICATOR_OPTIONS);
  replicator.start();
  try {
    await replicator.caughtUp(30_000);
    const refusal = replicator.refused();
    if (refusal !== undefined) throw new Error(`the replicator refused: ${refusal}`);
  } finally {
    await replicator.stop();
  }
}

export const JANUARY_2016 = { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! };
export const LANES = [
  { originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] },
  { originPorts: ['CNNBO'], destinationPorts: ['DEHAM'] },
] as const;

/** Count and sum per lane and day over January 2016, as the rates questions read them. */
export async function laneDayTotals(analytics: AnalyticsStore): Promise<string[]> {
  const rows: string[] = [];
  for (const lane of LANES) {
    for (const t of await analytics.totals.dailyPriceTotals(lane, JANUARY_2016)) {
      rows.push(`${lane.originPorts[0]}>${lane.destinationPorts[0]}@${t.day}: ${t.priceCount} ${t.totalUsdCents}`);
    }
  }
  return rows;
}

let keys = 0;

/** A batch of `count` USD prices on the test lanes, spread over January 2016, from `base` dollars up; a new key. */
export function priceBatchInput(count: number, base = 1000): Omit<SubmitPriceBatchInput, 'owner'> {
  keys += 1;
  return {
    items: Array.from({ length: count }, (_, i) => ({
      originCode: i % 2 === 0 ? 'CNSGH' : 'CNNBO',
      destinationCode: i % 2 === 0 ? 'NLRTM' : 'DEHAM',
      day: `2016-01-${String(1 + (i % 28)).padStart(2, '0')}`,
      price: base + i,
      currency: 'USD',
    })),
    idempotencyKey: `retention-${keys}`,
    skipInvalid: false,
  };
}

/** Submits {@link priceBatchInput} as the test supplier. */
export function submitPrices(ingest: IngestService, count: number, base = 1000): Promise<Batch> {
  return ingest.submitPriceBatch(TEST_SUPPLIER, priceBatchInput(count, base));
}
