import type { EpochDay } from '../../domain/day';
import type { Granularity } from '../../domain/period';

/** The origin and destination ports a rates question is about (regions already expanded to ports). */
export interface LanePorts {
  readonly originPorts: readonly string[];
  readonly destinationPorts: readonly string[];
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
 * appear). Quartiles are exact, interpolated linearly between ranks (type 7), in cents, unrounded.
 */
export interface PeriodPriceStatistics {
  readonly periodStart: EpochDay;
  readonly priceCount: number;
  readonly totalUsdCents: number;
  /** The remaining statistics are null when every price of the period was dropped as an outlier. */
  readonly minUsdCents: number | null;
  readonly maxUsdCents: number | null;
  readonly p25UsdCents: number | null;
  readonly medianUsdCents: number | null;
  readonly p75UsdCents: number | null;
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

/** One price as the analytics store keeps it. */
export interface AnalyticsPrice {
  readonly priceId: number;
  readonly batchId: string;
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: string;
  readonly usdCents: number;
}

/**
 * The analytics store (ClickHouse; chDB in-process when embedded). Every analytical question is
 * answered here and nowhere else.
 */
export interface AnalyticsStore {
  /** Per-day count and sum of prices from any origin port to any destination port, ascending by day. */
  dailyPriceTotals(lane: LanePorts, range: DayRange): Promise<DailyPriceTotal[]>;
  /** As dailyPriceTotals, counting only prices inside their lane's Tukey fences (see PriceSelection). */
  dailyPriceTotalsWithoutOutliers(lane: LanePorts, range: DayRange): Promise<DailyPriceTotalsWithoutOutliers>;
  /** Per-period statistics, ascending by period start (ISO weeks start on Monday). */
  periodPriceStatistics(
    lane: LanePorts,
    range: DayRange,
    granularity: Granularity,
    selection: PriceSelection,
  ): Promise<PeriodPriceStatistics[]>;
  /** The port-to-port lanes within the two port sets that have prices in the range, ordered and limited. */
  laneStatistics(lane: LanePorts, range: DayRange, options: LaneStatisticsOptions): Promise<LaneStatistics[]>;
  /** Number of prices a batch contributes. */
  batchPriceCount(batchId: string): Promise<number>;
  /**
   * Stand-in for the write path (issue 3 replaces it with the replicator): appends prices directly.
   * The whole call is one INSERT, which ClickHouse applies atomically for the table's layout.
   */
  appendPrices(prices: readonly AnalyticsPrice[]): Promise<void>;
  /** Removes a batch's prices; used to redo an interrupted direct load. */
  removeBatch(batchId: string): Promise<void>;
  close(): Promise<void>;
}
