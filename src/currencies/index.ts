export { currencyInfo, knownCurrencyCodes, USD, type CurrencyInfo } from './currency-table';
export {
  ExchangeRateService,
  type DayMean,
  type ExchangeRateServiceOptions,
  type MeansInCurrency,
  type RateLookup,
  type SupportedCurrency,
} from './exchange-rate-service';
export { CARRY_OVER_DAYS, OfflineRateProvider } from './offline-provider';
export { OpenExchangeRatesProvider, type OpenExchangeRatesOptions } from './open-exchange-rates-provider';
export {
  ExchangeRatesUnavailableError,
  type CurrencyDay,
  type ExchangeRateProvider,
  type ExchangeRateProviderName,
  type ProvidedCurrency,
} from './provider';
export { readExchangeRateFile, shippedExchangeRatesFile, type DailyUsdRate, type ExchangeRateFile } from './rate-file';
export { importExchangeRates, loadShippedExchangeRates, type RateLoadReport } from './rate-loading';
export { toUsdCents, fromUsdCents, usdRate, type UsdRate } from './usd-rate';
