import type { PriceRecord } from '../../domain/batch';
import type { Budget } from '../../domain/budget';
import type { EpochDay } from '../../domain/day';
import type { DimensionFilter } from '../../domain/freight-dimensions';
import type { MarketSpread } from '../../domain/market-spread';
import type { Granularity } from '../../domain/period';

/**
 * The origin and destination ports a rates question is about (regions already expanded to ports), and
 * which of their prices it counts by container type and contract term (absent: every price, specified
 * or not, exactly as before prices had dimensions).
 */
export interface LanePorts {
  readonly originPorts: readonly string[];
  readonly destinationPorts: readonly string[];
  readonly dimensions?: DimensionFilter;
}

/** Inclusive range of calendar days. */
export interface DayRange {
  readonly from: EpochDay;
  readonly to: EpochDay;
}

/** Count and exact sum (US cents) of the prices counted on one day; only days with prices appear. */
export interface DailyPriceTotal {
  readonly day: EpochDay;
  readonly priceCount: number;
  readonly totalUsdCents: number;
}

/** A day's totals with the spread of the prices counted (null when none counts: all dropped as outliers). */
export interface DailyPriceSpread extends DailyPriceTotal {
  /** Unrounded, in US cents. */
  readonly spreadUsdCents: MarketSpread | null;
}

/** Daily totals with their spread, and how many prices were dropped as outliers over the whole range. */
export interface DailyPriceSpreads {
  readonly days: readonly DailyPriceSpread[];
  readonly outliersExcluded: number;
}

/** Daily totals after dropping outliers, and how many prices were dropped over the whole range. */
export interface DailyPriceTotalsWithoutOutliers {
  readonly days: readonly DailyPriceTotal[];
  readonly outliersExcluded: number;
}

/**
 * Which prices a statistic counts. With `excludeOutliers`, a price is dropped when it lies outside
 * Tukey's fences of its own lane (origin port, destination port) over the requested range:
 * below Q1 − 1.5 × IQR or above Q3 + 1.5 × IQR, with Q1 and Q3 the exact quartiles of that lane's
 * prices interpolated linearly between ranks (R's type 7; ClickHouse `quantileExactInclusive`).
 */
export interface PriceSelection {
  readonly excludeOutliers: boolean;
}

/**
 * Statistics of the prices of one period (only periods with at least one price, counted or dropped,
 * appear). Quantiles are exact, interpolated linearly between ranks (type 7), in cents, unrounded: the
 * market's low (2.5th percentile) and high (97.5th) as on a day's spread, and the quartiles.
 */
export interface PeriodPriceStatistics {
  readonly periodStart: EpochDay;
  readonly priceCount: number;
  readonly totalUsdCents: number;
  /** The remaining statistics are null when every price of the period was dropped as an outlier. */
  readonly minUsdCents: number | null;
  readonly maxUsdCents: number | null;
  readonly lowUsdCents: number | null;
  readonly p25UsdCents: number | null;
  readonly medianUsdCents: number | null;
  readonly p75UsdCents: number | null;
  readonly highUsdCents: number | null;
  readonly outliersExcluded: number;
}

export type LaneOrder = 'VOLUME' | 'AVERAGE_PRICE' | 'VOLATILITY';

export interface LaneStatisticsOptions extends PriceSelection {
  /** VOLUME: most prices first; AVERAGE_PRICE: dearest first; VOLATILITY: highest stddev / mean first. */
  readonly orderBy: LaneOrder;
  readonly limit: number;
}

/** Statistics of one port-to-port lane over a range (population standard deviation, in cents). */
export interface LaneStatistics {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly priceCount: number;
  readonly totalUsdCents: number;
  readonly minUsdCents: number;
  readonly maxUsdCents: number;
  readonly stddevUsdCents: number;
  readonly outliersExcluded: number;
}

/** A committed batch's prices, as the replicator hands them to the analytics store. */
export interface BatchPrices {
  readonly batchId: string;
  readonly prices: readonly PriceRecord[];
}

/** What the replicator applies in one step. */
export interface ReplicatedChanges {
  /** Prices to append, grouped by batch (the prices of a batch not here yet, or a slice of a large one). */
  readonly batches: readonly BatchPrices[];
  readonly retractedBatchIds: readonly string[];
}

/**
 * What the replica holds of a batch, as the replicator records it around each write (the record is
 * what makes applying idempotent, see docs/architecture.md "The replicator: exactly-once effect"):
 * - `copying`: recorded before its prices are inserted, so some or all of them may be here (in doubt:
 *   `replicatedThrough` tells exactly how far it got);
 * - `counted`: every price of its current acceptance is here, once;
 * - `retracting`: recorded before its prices are deleted (they may still be here);
 * - `retracted`: none of its prices is here.
 * A batch without a record has no price here.
 */
export type ReplicaBatchState = 'copying' | 'counted' | 'retracting' | 'retracted';

export interface ReplicaBatchRecord {
  readonly batchId: string;
  readonly state: ReplicaBatchState;
}

/** The position of the last change applied to this replica, kept in the replica itself. */
export interface ReplicationCheckpoint {
  /** The change feed's opaque position (see the operational store's `ChangeFeed`). */
  readonly position: string;
  readonly appliedAt: Date;
  /** Increases with every checkpoint written; the newest one wins. */
  readonly version: number;
}

/**
 * The daily totals the rates answers are built from (used by `rates/`): per-day count and exact sum of
 * the prices of a lane's ports over a range.
 *
 * Every read here and in {@link PriceStatisticsQueries} takes the request's budget (none: unbounded).
 * When its signal fires the read rejects at once with the signal's reason (QUERY_TIMEOUT,
 * CLIENT_CLOSED_REQUEST) and the query is stopped in the engine, also while it waits for its turn.
 */
export interface PriceTotalsQueries {
  /**
   * Per-day count and sum of prices from any origin port to any destination port, ascending by day
   * (retracted batches are gone from the store).
   */
  dailyPriceTotals(lane: LanePorts, range: DayRange, budget?: Budget): Promise<DailyPriceTotal[]>;
  /** As dailyPriceTotals, counting only prices inside their lane's Tukey fences (see PriceSelection). */
  dailyPriceTotalsWithoutOutliers(
    lane: LanePorts,
    range: DayRange,
    budget?: Budget,
  ): Promise<DailyPriceTotalsWithoutOutliers>;
  /**
   * As the totals of `selection`, each day with its spread. It reads every price, not the daily
   * totals: ask it only when the spread is asked for.
   */
  dailyPriceSpreads(
    lane: LanePorts,
    range: DayRange,
    selection: PriceSelection,
    budget?: Budget,
  ): Promise<DailyPriceSpreads>;
}

/** The statistics the analyst questions are answered from (used by `analysis/`). */
export interface PriceStatisticsQueries {
  /** Per-period statistics, ascending by period start (ISO weeks start on Monday). */
  periodPriceStatistics(
    lane: LanePorts,
    range: DayRange,
    granularity: Granularity,
    selection: PriceSelection,
    budget?: Budget,
  ): Promise<PeriodPriceStatistics[]>;
  /** The port-to-port lanes within the two port sets that have prices in the range, ordered and limited. */
  laneStatistics(
    lane: LanePorts,
    range: DayRange,
    options: LaneStatisticsOptions,
    budget?: Budget,
  ): Promise<LaneStatistics[]>;
}

/** How far the replica got, as the replication status reads it (`replication/replication-status.ts`). */
export interface ReplicationProgress {
  /** The newest checkpoint saved in this replica; undefined before the first one. */
  replicationCheckpoint(): Promise<ReplicationCheckpoint | undefined>;
}

/** The replica state the replicator reads and writes; nothing else writes to the analytics store. */
export interface AnalyticsReplica extends ReplicationProgress {
  /** Identifies this replica (stable for its lifetime); replicators take a lease per replica. */
  replicaId(): Promise<string>;
  /**
   * For each of these batches with prices here, the highest item index present. Prices arrive in item
   * order, one INSERT at a time, so everything up to that index is here and nothing after it. It scans
   * the batch ids of every price: ask it only about batches in doubt (recorded `copying`).
   */
  replicatedThrough(batchIds: readonly string[]): Promise<Map<string, number>>;
  /** The newest recorded state of each of these batches that has one (a primary-key lookup). */
  batchStates(batchIds: readonly string[]): Promise<Map<string, ReplicaBatchState>>;
  /** The highest version {@link recordBatchStates} was given so far (0 before the first). */
  latestBatchStateVersion(): Promise<number>;
  /** Records these states at `version`, which must be higher than every version recorded before. */
  recordBatchStates(records: readonly ReplicaBatchRecord[], version: number): Promise<void>;
  /**
   * Appends prices, then applies retractions. All prices go in one INSERT, which ClickHouse makes
   * visible atomically; a retraction deletes its batch's prices (again: nothing changes). Call
   * {@link saveCheckpoint} afterwards.
   */
  applyChanges(changes: ReplicatedChanges): Promise<void>;
  saveCheckpoint(checkpoint: ReplicationCheckpoint): Promise<void>;
}

/** What a snapshot file holds, in short. */
export interface ReplicaSnapshot {
  /** The replica it was taken from. */
  readonly sourceReplicaId: string;
  /** The identity of the replica loaded from it. */
  readonly replicaId: string;
  /** The feed position its prices reflect: the replica loaded from it follows the feed from there. */
  readonly position: string;
  readonly prices: number;
  readonly batches: number;
}

/**
 * A replica written to a file and loaded from one (`npm run analytics:export` / `analytics:import`):
 * how a new replica gets the history that retention removed from the operational store.
 */
export interface ReplicaSnapshots {
  /**
   * Writes the replica's prices, batch states and checkpoint to `file`, naming `replicaId` as the
   * identity of the replica to be loaded from it. The caller holds the replica's lease. Replaces `file`
   * only once it is complete.
   */
  exportTo(file: string, replicaId: string): Promise<ReplicaSnapshot>;
  /**
   * Loads `file` into this replica, which must not follow a feed yet (no checkpoint; what an import cut
   * short left is replaced), and gives it the file's identity and checkpoint, the checkpoint last.
   * `accept` is asked first, from the file's header, and loads nothing when it throws.
   */
  importFrom(file: string, accept: (snapshot: ReplicaSnapshot) => Promise<void>): Promise<ReplicaSnapshot>;
}

/**
 * The analytics store (ClickHouse; chDB in-process when embedded), one port per consumer. Every
 * analytical question is answered here and nowhere else; it is written to only by the replicator.
 */
export interface AnalyticsStore {
  readonly totals: PriceTotalsQueries;
  readonly statistics: PriceStatisticsQueries;
  readonly replica: AnalyticsReplica;
  readonly snapshots: ReplicaSnapshots;
  /**
   * Resolves when the store answers a cheap round trip; rejects with ANALYTICS_UNAVAILABLE when it
   * cannot be reached (readiness asks this).
   */
  checkAvailable(): Promise<void>;
  /**
   * Undefined while reads get their turn in time; else the engine is saturated (a read has waited for
   * its turn longer than the adapter's threshold, or gave up waiting less than that long ago), and
   * readiness says not ready so that load balancers send requests elsewhere.
   */
  saturation(): AnalyticsSaturation | undefined;
  close(): Promise<void>;
}

/** How saturated the engine is, as this process sees it (see {@link AnalyticsStore.saturation}). */
export interface AnalyticsSaturation {
  /** Reads waiting for their turn now. */
  readonly waiting: number;
  /** How long the oldest of them has waited (0 when none waits). */
  readonly oldestWaitMs: number;
  /** How long ago a read last gave up waiting (its budget ran out, or its client left); undefined if never. */
  readonly lastGaveUpMsAgo: number | undefined;
}
