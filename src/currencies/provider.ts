import type { EpochDay } from '../domain/day';
import type { CurrencyDay, ExchangeRateProviderName } from '../domain/exchange-rates';
import { RatelineError } from '../domain/errors';

export type { CurrencyDay, ExchangeRateProviderName } from '../domain/exchange-rates';

/** A currency a provider converts, and the days it has rates for when it knows them. */
export interface ProvidedCurrency {
  readonly code: string;
  /** First and last day with a rate; null when the provider answers for any day it publishes. */
  readonly firstDay: EpochDay | null;
  readonly lastDay: EpochDay | null;
}

/**
 * Where exchange rates come from. Rates are US dollars for one unit of a currency on a calendar day,
 * as decimal text (exact; never a binary float).
 */
export interface ExchangeRateProvider {
  readonly name: ExchangeRateProviderName;
  /**
   * The rate of each pair, in the order asked; undefined where the provider has none for that day.
   * Throws {@link ExchangeRatesUnavailableError} when it cannot answer at all (unreachable, refused).
   * Never asked for USD.
   */
  usdPerUnit(pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]>;
  /** The currencies it converts (USD excluded). */
  currencies(): Promise<ProvidedCurrency[]>;
}

/**
 * The provider could not answer at all: nothing that depends on it may be written. The message says
 * which provider answered what (never the app id).
 */
export class ExchangeRatesUnavailableError extends RatelineError {
  constructor(message: string, details: Readonly<Record<string, unknown>>) {
    super('EXCHANGE_RATES_UNAVAILABLE', message, undefined, undefined, details);
    this.name = 'ExchangeRatesUnavailableError';
  }
}
