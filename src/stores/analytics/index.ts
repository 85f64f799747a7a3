export type { AnalyticsPrice, AnalyticsStore, DailyPriceTotal, DayRange, LanePorts } from './analytics-store';
export {
  ClickHouseAnalyticsStore,
  DAILY_PRICE_TOTALS_FORMAT,
  dailyPriceTotalsQuery,
  type DailyPriceTotalsRow,
} from './clickhouse/clickhouse-analytics-store';
