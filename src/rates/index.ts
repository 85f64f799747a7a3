export {
  RatesService,
  DEFAULT_MIN_PRICES,
  type DailyRate,
  type LocationScope,
  type RatesFallback,
  type RatesQuery,
  type ScopedRates,
  type ScopedRatesQuery,
} from './rates-service';
export { LaneRangeValidator, type LaneRangeQuery, type ValidLaneRange } from './validation';
