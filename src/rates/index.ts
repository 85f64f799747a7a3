export { RatesService, DEFAULT_MIN_PRICES, type DailyRate, type RatesQuery } from './rates-service';
