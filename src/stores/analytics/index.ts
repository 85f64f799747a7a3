export type {
  AnalyticsReplica,
  AnalyticsSaturation,
  AnalyticsStore,
  BatchPrices,
  DailyPriceSpread,
  DailyPriceSpreads,
  DailyPriceTotal,
  DailyPriceTotalsWithoutOutliers,
  DayRange,
  LaneOrder,
  LanePorts,
  LaneStatistics,
  LaneStatisticsOptions,
  PeriodPriceStatistics,
  PriceSelection,
  PriceStatisticsQueries,
  PriceTotalsQueries,
  ReplicaBatchRecord,
  ReplicaBatchState,
  ReplicaSnapshot,
  ReplicaSnapshots,
  ReplicatedChanges,
  ReplicationCheckpoint,
  ReplicationProgress,
} from './ports';
export { guardAnalyticsStore } from './guard';
export { isClickHouseUnavailable, openClickHouseAnalyticsStore, type ClickHouseStoreOptions } from './clickhouse/open';
export type { ClickHouseEngine, ClickHouseServer, EmbeddedChdb } from './clickhouse/client';
// The benchmark issues exactly the API's queries, read exactly as the API reads them.
export { READ_FORMAT as DAILY_PRICE_TOTALS_FORMAT } from './clickhouse/database';
export {
  dailyPriceSpreadsQuery,
  dailyPriceTotalsQuery,
  dailyPriceTotalsSettings,
  laneStatisticsQuery,
  settingsClause,
  periodPriceStatisticsQuery,
  type DailyPriceSpreadsRow,
  type DailyPriceTotalsRow,
  type LaneStatisticsRow,
  type PeriodPriceStatisticsRow,
} from './clickhouse/sql';
