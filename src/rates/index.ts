export { RatesService, type RatesFallback, type RatesInCurrencyQuery, type ScopedRatesQuery } from './rates-service';
export { DEFAULT_MIN_PRICES, type DailyRate } from './daily-rates';
export { LaneRangeValidator, type LaneRangeQuery } from './lane-range';
export type { LocationScope } from './scope';
