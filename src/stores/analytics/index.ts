export type { AnalyticsPrice, AnalyticsStore, DailyPriceTotal, DayRange, LanePorts } from './analytics-store';
export { ClickHouseAnalyticsStore, dailyPriceTotalsQuery } from './clickhouse/clickhouse-analytics-store';
