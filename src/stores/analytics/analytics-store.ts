import type { EpochDay } from '../../domain/day';

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
