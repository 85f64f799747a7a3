import { formatDay, parseDay, type EpochDay } from '../domain/day';
import { dayArgument } from '../domain/day-arguments';
import { RatelineError, badUserInput } from '../domain/errors';
import { mapSpread, type MarketSpread } from '../domain/market-spread';
import { currencyInfo, USD, type CurrencyInfo } from './currency-table';
import type { CurrencyDay, ExchangeRateProvider, ExchangeRateProviderName, ProvidedCurrency } from './provider';
import { fromUsdCents, usdRate, type UsdRate } from './usd-rate';

/**
 * Rates fetched ahead for a set of (currency, day) pairs, answered synchronously: what item validation
 * needs, so that checking a batch of 100,000 items makes one call to the provider, not one per item.
 */
export interface RateLookup {
  /** Whether the currency can be converted at all (USD always can). */
  supports(currency: string): boolean;
  /**
   * The rate of a supported currency on a day; undefined when that day has none (RATE_UNAVAILABLE)
   * or the pair was not fetched.
   */
  rateOn(currency: string, day: EpochDay): UsdRate | undefined;
}

/** A currency as the `currencies` query lists it. */
export interface SupportedCurrency extends CurrencyInfo {
  /** First and last day with a rate (YYYY-MM-DD); null when any day the provider publishes converts. */
  readonly firstDay: string | null;
  readonly lastDay: string | null;
}

/** A day of a rates answer as {@link ExchangeRateService.inCurrency} needs it. */
export interface DayMean {
  readonly day: string;
  /** Unrounded mean in US cents, null when the day has no average. */
  readonly meanUsdCents: number | null;
  /** When the answer has the spread: unrounded, in US cents, null when the day has no average. */
  readonly spreadUsdCents?: MarketSpread | null;
}

/** The days of a rates answer with their means in another currency. */
export interface MeansInCurrency<Day extends DayMean> {
  readonly currency: CurrencyInfo;
  /**
   * Each day as given, with `meanMinor`: the unrounded mean in minor units of the currency (null
   * without a mean), and `spreadMinor` likewise when the day has `spreadUsdCents`.
   */
  readonly days: (Day & { readonly meanMinor: number | null; readonly spreadMinor?: MarketSpread | null })[];
}

const USD_RATE: UsdRate = usdRate(USD, '1');
const CURRENCY_CODE = /^[A-Z]{3}$/;

export interface ExchangeRateServiceOptions {
  /** How long the set of supported currencies is reused before the provider is asked again; default 10 s. */
  readonly supportedTtlMs?: number;
}

/**
 * Converts money between currencies and US dollars with the configured provider: the one service the
 * write path (prefetch, then synchronous conversion per item) and the read path (`exchangeRate`,
 * `currencies`, `rates(currency:)`) share.
 */
export class ExchangeRateService {
  private supported: { readonly until: number; readonly byCode: Map<string, ProvidedCurrency> } | undefined;
  private readonly supportedTtlMs: number;

  constructor(
    private readonly provider: ExchangeRateProvider,
    options: ExchangeRateServiceOptions = {},
  ) {
    this.supportedTtlMs = options.supportedTtlMs ?? 10_000;
  }

  get providerName(): ExchangeRateProviderName {
    return this.provider.name;
  }

  /**
   * Fetches, in one call to the provider, the rates of the distinct (currency, day) pairs among
   * `entries` (malformed days and codes, USD and unsupported currencies are skipped: they need no rate).
   * Throws EXCHANGE_RATES_UNAVAILABLE when the provider cannot answer.
   */
  async lookup(entries: Iterable<{ readonly currency: string; readonly day: string }>): Promise<RateLookup> {
    const daysByCurrency = new Map<string, Set<string>>();
    for (const { currency, day } of entries) {
      if (currency === USD.code) continue;
      let days = daysByCurrency.get(currency);
      if (!days) daysByCurrency.set(currency, (days = new Set<string>()));
      days.add(day);
    }
    const supported =
      daysByCurrency.size === 0 ? new Map<string, ProvidedCurrency>() : await this.supportedCurrencies();
    const pairs: CurrencyDay[] = [];
    for (const [currency, days] of daysByCurrency) {
      if (!supported.has(currency)) continue;
      for (const text of days) {
        const day = parseDay(text);
        if (day !== undefined) pairs.push({ currency, day });
      }
    }
    const found = pairs.length === 0 ? [] : await this.provider.usdPerUnit(pairs);
    const rates = new Map<string, Map<number, UsdRate>>();
    pairs.forEach(({ currency, day }, index) => {
      const text = found[index];
      if (text === undefined) return;
      let byDay = rates.get(currency);
      if (!byDay) rates.set(currency, (byDay = new Map<number, UsdRate>()));
      byDay.set(day, usdRate(currencyInfo(currency) as CurrencyInfo, text));
    });
    return {
      supports: (currency) => currency === USD.code || supported.has(currency),
      rateOn: (currency, day) => (currency === USD.code ? USD_RATE : rates.get(currency)?.get(day)),
    };
  }

  /** The rate of one currency on one day; the errors name the argument at fault. */
  async rate(currency: string, day: string): Promise<UsdRate> {
    const parsed = dayArgument('day', day);
    await this.checkCurrency(currency, 'currency');
    const rate = (await this.lookup([{ currency, day }])).rateOn(currency, parsed);
    if (!rate) throw rateUnavailable(currency, day, 'day', this.provider.name);
    return rate;
  }

  /** USD and every currency the provider converts, by code. */
  async currencies(): Promise<SupportedCurrency[]> {
    const provided = [...(await this.supportedCurrencies()).values()];
    return [
      { ...USD, firstDay: null, lastDay: null },
      ...provided.map((p) => ({
        ...(currencyInfo(p.code) as CurrencyInfo),
        firstDay: p.firstDay === null ? null : formatDay(p.firstDay),
        lastDay: p.lastDay === null ? null : formatDay(p.lastDay),
      })),
    ].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }

  /**
   * The means of a rates answer in another currency, each day's at that day's rate. Days without a
   * mean need no rate; a day with a mean and no rate is RATE_UNAVAILABLE naming it. `field` names the
   * argument in errors.
   */
  async inCurrency<Day extends DayMean>(
    currency: string,
    days: readonly Day[],
    field = 'currency',
  ): Promise<MeansInCurrency<Day>> {
    const info = await this.checkCurrency(currency, field);
    const withMeans = days.filter((d) => d.meanUsdCents !== null);
    const lookup = await this.lookup(withMeans.map((d) => ({ currency, day: d.day })));
    return {
      currency: info,
      days: days.map((d) => {
        if (d.meanUsdCents === null)
          return { ...d, meanMinor: null, ...(d.spreadUsdCents !== undefined && { spreadMinor: null }) };
        const rate = lookup.rateOn(currency, parseDay(d.day) as EpochDay);
        if (!rate) throw rateUnavailable(currency, d.day, field, this.provider.name);
        const convert = (cents: number) => fromUsdCents(cents, rate);
        return {
          ...d,
          meanMinor: convert(d.meanUsdCents),
          ...(d.spreadUsdCents !== undefined && {
            spreadMinor: d.spreadUsdCents && mapSpread(d.spreadUsdCents, convert),
          }),
        };
      }),
    };
  }

  private async checkCurrency(currency: string, field: string): Promise<CurrencyInfo> {
    if (!CURRENCY_CODE.test(currency)) {
      throw badUserInput(field, currency, `${field} must be a 3-letter ISO 4217 currency code such as EUR`);
    }
    const info = currencyInfo(currency);
    if (info && (currency === USD.code || (await this.supportedCurrencies()).has(currency))) return info;
    throw unsupportedCurrency(currency, field, this.provider.name);
  }

  private async supportedCurrencies(): Promise<Map<string, ProvidedCurrency>> {
    const now = Date.now();
    if (this.supported && this.supported.until > now) return this.supported.byCode;
    const provided = await this.provider.currencies();
    const byCode = new Map(provided.filter((p) => currencyInfo(p.code)).map((p) => [p.code, p]));
    this.supported = { until: now + this.supportedTtlMs, byCode };
    return byCode;
  }
}

const PROVIDER_NAMES: Record<ExchangeRateProviderName, string> = {
  offline: 'the offline rates table',
  openexchangerates: 'Open Exchange Rates',
};

function unsupportedCurrency(currency: string, field: string, provider: ExchangeRateProviderName): RatelineError {
  return new RatelineError(
    'UNSUPPORTED_CURRENCY',
    `${currency} is not a currency Rateline converts with ${PROVIDER_NAMES[provider]}; the currencies query lists those it does`,
    field,
    currency,
  );
}

function rateUnavailable(
  currency: string,
  day: string,
  field: string,
  provider: ExchangeRateProviderName,
): RatelineError {
  return new RatelineError(
    'RATE_UNAVAILABLE',
    `No ${currency} exchange rate for ${day} in ${PROVIDER_NAMES[provider]}`,
    field,
    field === 'day' ? day : currency,
    { currency, day },
  );
}
