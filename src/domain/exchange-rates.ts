import type { EpochDay } from './day';

/** A currency on a day: what a rate is asked for. */
export interface CurrencyDay {
  readonly currency: string;
  readonly day: EpochDay;
}

/** One daily rate: US dollars for one unit of `currency` on `day`. */
export interface DailyUsdRate {
  readonly currency: string;
  readonly day: EpochDay;
  /** Decimal text without exponent, e.g. "1.0898": exact, never a binary float. */
  readonly usdPerUnit: string;
}

/**
 * Whose rates a stored rate is: the offline table (shipped ECB rates and imports) or the cache of days
 * fetched from Open Exchange Rates. The two never mix.
 */
export type ExchangeRateProviderName = 'offline' | 'openexchangerates';

/** The days a currency has stored rates for. */
export interface CurrencyCoverage {
  readonly currency: string;
  readonly firstDay: EpochDay;
  readonly lastDay: EpochDay;
  /** Days with a rate of their own. */
  readonly days: number;
}
