import { addDays, daysInRange, formatDay, parseDay, type EpochDay } from '../domain/day';
import { RatelineError, badUserInput } from '../domain/errors';
import type { ResolvedLocation } from '../domain/model';
import type { AnalyticsStore } from '../stores/analytics';
import type { OperationalStore } from '../stores/operational';

export const DEFAULT_MIN_PRICES = 3;

export interface RatesQuery {
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly minPrices?: number;
}

/**
 * One day of a rates answer. The mean stays exact (in cents, unrounded) so that each transport rounds
 * once, to its own precision: GraphQL to cents, the legacy REST call to whole dollars.
 */
export interface DailyRate {
  readonly day: string;
  readonly priceCount: number;
  /** Mean price in US cents, or null when the day has fewer than `minPrices` prices. */
  readonly meanUsdCents: number | null;
}

interface ValidRatesQuery {
  readonly origin: ResolvedLocation;
  readonly destination: ResolvedLocation;
  readonly from: EpochDay;
  readonly to: EpochDay;
  readonly minPrices: number;
}

/**
 * Daily average rates between two locations: for every day of the range, the mean of all prices whose
 * origin is among the origin's ports and destination among the destination's ports.
 */
export class RatesService {
  constructor(
    private readonly operational: OperationalStore,
    private readonly analytics: AnalyticsStore,
    private readonly limits: { readonly maxRatesRangeDays: number },
  ) {}

  async dailyRates(query: RatesQuery): Promise<DailyRate[]> {
    const q = await this.validate(query);
    const totals = await this.analytics.dailyPriceTotals(
      { originPorts: q.origin.portCodes, destinationPorts: q.destination.portCodes },
      { from: q.from, to: q.to },
    );
    const byDay = new Map(totals.map((t) => [t.day, t]));
    const rates: DailyRate[] = [];
    for (let day = q.from; day <= q.to; day = addDays(day, 1)) {
      const total = byDay.get(day);
      const priceCount = total?.priceCount ?? 0;
      const meanUsdCents = total && priceCount >= q.minPrices ? total.totalUsdCents / priceCount : null;
      rates.push({ day: formatDay(day), priceCount, meanUsdCents });
    }
    return rates;
  }

  private async validate(query: RatesQuery): Promise<ValidRatesQuery> {
    const from = parseDay(query.dateFrom);
    if (from === undefined)
      throw badUserInput('dateFrom', query.dateFrom, 'dateFrom must be a calendar day as YYYY-MM-DD');
    const to = parseDay(query.dateTo);
    if (to === undefined) throw badUserInput('dateTo', query.dateTo, 'dateTo must be a calendar day as YYYY-MM-DD');
    if (from > to) throw badUserInput('dateTo', query.dateTo, `dateTo must not be before dateFrom (${query.dateFrom})`);
    const days = daysInRange(from, to);
    if (days > this.limits.maxRatesRangeDays) {
      throw badUserInput(
        'dateTo',
        query.dateTo,
        `dateFrom to dateTo covers ${days} days; at most ${this.limits.maxRatesRangeDays} are allowed per query`,
      );
    }
    const minPrices = query.minPrices ?? DEFAULT_MIN_PRICES;
    if (!Number.isInteger(minPrices) || minPrices < 1) {
      throw badUserInput('minPrices', minPrices, 'minPrices must be a whole number of at least 1');
    }
    const [origin, destination] = await Promise.all([
      this.resolve('origin', query.origin),
      this.resolve('destination', query.destination),
    ]);
    return { origin, destination, from, to, minPrices };
  }

  private async resolve(field: 'origin' | 'destination', id: string): Promise<ResolvedLocation> {
    const location = await this.operational.resolveLocation(id);
    if (!location) {
      throw new RatelineError(
        'UNKNOWN_LOCATION',
        `${field} "${id}" is neither a port code nor a region slug`,
        field,
        id,
      );
    }
    return location;
  }
}
