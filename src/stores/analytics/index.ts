export type {
  AnalyticsStore,
  BatchPrices,
  DailyPriceTotal,
  DailyPriceTotalsWithoutOutliers,
  DayRange,
  LaneOrder,
  LanePorts,
  LaneStatistics,
  LaneStatisticsOptions,
  PeriodPriceStatistics,
  PriceSelection,
  ReplicatedChanges,
  ReplicationCheckpoint,
} from './analytics-store';
export {
  ClickHouseAnalyticsStore,
  DAILY_PRICE_TOTALS_FORMAT,
  dailyPriceTotalsQuery,
  type DailyPriceTotalsRow,
  laneStatisticsQuery,
  periodPriceStatisticsQuery,
  type LaneStatisticsRow,
  type PeriodPriceStatisticsRow,
} from './clickhouse/clickhouse-analytics-store';
export { isClickHouseUnavailable } from './clickhouse/client';
