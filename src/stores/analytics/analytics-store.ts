import type { PriceRecord } from '../../domain/batch';
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

/** A price as the replicator hands it to the analytics store. */
export interface ReplicatedPrice extends PriceRecord {
  readonly batchId: string;
}

/** What the replicator applies in one flush. */
export interface ReplicatedChanges {
  /** Prices of newly committed batches; every batch is either wholly in this list or absent from it. */
  readonly prices: readonly ReplicatedPrice[];
  readonly retractedBatchIds: readonly string[];
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
 * The analytics store (ClickHouse; chDB in-process when embedded). Every analytical question is
 * answered here and nowhere else; it is written to only by the replicator.
 */
export interface AnalyticsStore {
  /**
   * Per-day count and sum of prices from any origin port to any destination port, ascending by day;
   * prices of retracted batches do not count.
   */
  dailyPriceTotals(lane: LanePorts, range: DayRange): Promise<DailyPriceTotal[]>;

  /** Identifies this replica (stable for its lifetime); replicators take a lease per replica. */
  replicaId(): Promise<string>;
  replicationCheckpoint(): Promise<ReplicationCheckpoint | undefined>;
  /** Which of these batches already have their prices here (a batch is never partly here). */
  batchesPresent(batchIds: readonly string[]): Promise<Set<string>>;
  /**
   * Appends prices and retractions. All prices go in one INSERT, which ClickHouse makes visible
   * atomically; retractions are idempotent tombstones. Call {@link saveCheckpoint} afterwards.
   */
  applyChanges(changes: ReplicatedChanges): Promise<void>;
  saveCheckpoint(checkpoint: ReplicationCheckpoint): Promise<void>;
  close(): Promise<void>;
}
