export type {
  AnalyticsStore,
  DailyPriceTotal,
  DayRange,
  LanePorts,
  ReplicatedChanges,
  ReplicatedPrice,
  ReplicationCheckpoint,
} from './analytics-store';
export {
  ClickHouseAnalyticsStore,
  DAILY_PRICE_TOTALS_FORMAT,
  dailyPriceTotalsQuery,
  type DailyPriceTotalsRow,
} from './clickhouse/clickhouse-analytics-store';
