export { currencyInfo, knownCurrencyCodes, USD, type CurrencyInfo } from './currency-table';
export {
  ExchangeRates,
  rateUnavailable,
  unsupportedCurrency,
  type DayMean,
  type ExchangeRatesOptions,
  type MeansInCurrency,
  type RateLookup,
  type SupportedCurrency,
} from './exchange-rates';
export { CARRY_OVER_DAYS, OfflineExchangeRates } from './offline-provider';
export { OpenExchangeRates, type OpenExchangeRatesOptions } from './open-exchange-rates';
export {
  ExchangeRatesUnavailableError,
  type CurrencyDay,
  type ExchangeRateProvider,
  type ExchangeRateProviderName,
  type ProvidedCurrency,
} from './provider';
export {
  formatExchangeRateFile,
  readExchangeRateFile,
  shippedExchangeRatesFile,
  type DailyUsdRate,
  type ExchangeRateFile,
} from './rate-file';
export { importExchangeRates, loadShippedExchangeRates, type RateLoadReport } from './rate-loading';
export { RATE_SIGNIFICANT_DIGITS, toUsdCents, fromUsdCents, usdRate, type UsdRate } from './usd-rate';
