import { addDays, formatDay, type EpochDay } from '../domain/day';
import { badUserInput } from '../domain/errors';
import type { MarketSpread } from '../domain/market-spread';
import type { DailyPriceSpread, DailyPriceTotal } from '../stores/analytics';

export const DEFAULT_MIN_PRICES = 3;

/**
 * One day of a rates answer. The mean stays exact (in cents, unrounded) so that each transport rounds
 * once, to its own precision: GraphQL to cents, the legacy REST call to whole dollars.
 */
export interface DailyRate {
  readonly day: string;
  readonly priceCount: number;
  /** Mean price in US cents, or null when the day has fewer than `minPrices` prices. */
  readonly meanUsdCents: number | null;
  /** Only when the question asked for the spread: in US cents, unrounded, null as the mean is. */
  readonly spreadUsdCents?: MarketSpread | null;
}

/** `minPrices` as given, or the default; BAD_USER_INPUT unless it is a whole number of at least 1. */
export function minPricesArgument(minPrices: number | undefined): number {
  const value = minPrices ?? DEFAULT_MIN_PRICES;
  if (!Number.isInteger(value) || value < 1) {
    throw badUserInput('minPrices', value, 'minPrices must be a whole number of at least 1');
  }
  return value;
}

/**
 * Every day of `from`..`to` once, ascending, from the totals of the days that have prices: each day
 * with its count (0 when absent) and, from `minPrices` prices on, its mean; `withSpread`, its spread
 * too (of the totals that carry one).
 */
export function dailyRatesFrom(
  totals: readonly (DailyPriceTotal | DailyPriceSpread)[],
  from: EpochDay,
  to: EpochDay,
  minPrices: number,
  withSpread = false,
): DailyRate[] {
  const byDay = new Map(totals.map((t) => [t.day, t]));
  const rates: DailyRate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const total = byDay.get(day);
    const priceCount = total?.priceCount ?? 0;
    const enough = total !== undefined && priceCount >= minPrices;
    const meanUsdCents = enough ? total.totalUsdCents / priceCount : null;
    if (!withSpread) {
      rates.push({ day: formatDay(day), priceCount, meanUsdCents });
      continue;
    }
    const spreadUsdCents = enough && 'spreadUsdCents' in total ? total.spreadUsdCents : null;
    rates.push({ day: formatDay(day), priceCount, meanUsdCents, spreadUsdCents });
  }
  return rates;
}

/** Whether some day has the `minPrices` prices an average needs. */
export function someDayHasEnoughPrices(totals: readonly DailyPriceTotal[], minPrices: number): boolean {
  return totals.some((t) => t.priceCount >= minPrices);
}
