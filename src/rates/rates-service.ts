import { addDays, formatDay, type EpochDay } from '../domain/day';
import { badUserInput } from '../domain/errors';
import type { ResolvedLocation } from '../domain/model';
import type { AnalyticsStore, DailyPriceTotal } from '../stores/analytics';
import type { LocationsService } from '../locations';
import type { ReferenceDataStore } from '../stores/operational';
import { LaneRangeValidator, type LaneRangeQuery } from './validation';

export const DEFAULT_MIN_PRICES = 3;

export interface RatesQuery extends LaneRangeQuery {
  readonly minPrices?: number;
}

/** NONE answers for the locations asked; PARENT_REGIONS widens them when no day has enough prices. */
export type RatesFallback = 'NONE' | 'PARENT_REGIONS';

export interface ScopedRatesQuery extends RatesQuery {
  readonly fallback?: RatesFallback;
  readonly excludeOutliers?: boolean;
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

/** The location an answer was computed for, and how many levels above the one asked for it lies. */
export interface LocationScope {
  readonly kind: 'port' | 'region';
  /** Port code or region slug. */
  readonly id: string;
  readonly levelsUp: number;
}

export interface ScopedRates {
  readonly days: DailyRate[];
  readonly origin: LocationScope;
  readonly destination: LocationScope;
  /** Prices dropped as outliers over the whole range (0 unless excludeOutliers). */
  readonly outliersExcluded: number;
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
  private readonly validator: LaneRangeValidator;

  constructor(
    private readonly referenceData: ReferenceDataStore,
    locations: LocationsService,
    private readonly analytics: AnalyticsStore,
    limits: { readonly maxRatesRangeDays: number },
  ) {
    this.validator = new LaneRangeValidator(locations, limits);
  }

  async dailyRates(query: RatesQuery): Promise<DailyRate[]> {
    const q = await this.validate(query);
    const totals = await this.analytics.dailyPriceTotals(
      { originPorts: q.origin.portCodes, destinationPorts: q.destination.portCodes },
      { from: q.from, to: q.to },
    );
    return everyDay(q, totals);
  }

  /**
   * `rates` with the scope it was answered for. With PARENT_REGIONS, while no day of the range has
   * `minPrices` prices, origin and destination both move one level up together (a port to its region,
   * a region to its parent; a side already at a top-level region stays), until some day does or neither
   * can move. With excludeOutliers, prices outside their lane's Tukey fences do not count (and so do not
   * count towards `minPrices` either).
   */
  async ratesWithScope(query: ScopedRatesQuery): Promise<ScopedRates> {
    const q = await this.validate(query);
    const fallback = query.fallback ?? 'NONE';
    let origin = q.origin;
    let destination = q.destination;
    const levelsUp = { origin: 0, destination: 0 };
    for (;;) {
      const { days: totals, outliersExcluded } = await this.totals(
        origin,
        destination,
        q,
        query.excludeOutliers ?? false,
      );
      const enough = totals.some((t) => t.priceCount >= q.minPrices);
      const [originParent, destinationParent] =
        enough || fallback === 'NONE'
          ? [undefined, undefined]
          : await Promise.all([this.parentOf(origin), this.parentOf(destination)]);
      if (originParent === undefined && destinationParent === undefined) {
        return {
          days: everyDay(q, totals),
          origin: { kind: origin.kind, id: origin.id, levelsUp: levelsUp.origin },
          destination: { kind: destination.kind, id: destination.id, levelsUp: levelsUp.destination },
          outliersExcluded,
        };
      }
      if (originParent !== undefined) {
        origin = await this.validator.resolve('origin', originParent);
        levelsUp.origin += 1;
      }
      if (destinationParent !== undefined) {
        destination = await this.validator.resolve('destination', destinationParent);
        levelsUp.destination += 1;
      }
    }
  }

  private async totals(
    origin: ResolvedLocation,
    destination: ResolvedLocation,
    range: { readonly from: EpochDay; readonly to: EpochDay },
    excludeOutliers: boolean,
  ): Promise<{ readonly days: readonly DailyPriceTotal[]; readonly outliersExcluded: number }> {
    const lane = { originPorts: origin.portCodes, destinationPorts: destination.portCodes };
    const dayRange = { from: range.from, to: range.to };
    if (excludeOutliers) return this.analytics.dailyPriceTotalsWithoutOutliers(lane, dayRange);
    return { days: await this.analytics.dailyPriceTotals(lane, dayRange), outliersExcluded: 0 };
  }

  /** The region directly above a port or region, or undefined at the top. */
  private async parentOf(location: ResolvedLocation): Promise<string | undefined> {
    if (location.kind === 'port') {
      const [port] = await this.referenceData.portsByCodes([location.id]);
      return port?.regionSlug;
    }
    const [region] = await this.referenceData.regionsBySlugs([location.id]);
    return region?.parentSlug ?? undefined;
  }

  private async validate(query: RatesQuery): Promise<ValidRatesQuery> {
    const { from, to } = this.validator.validateDays(query);
    const minPrices = query.minPrices ?? DEFAULT_MIN_PRICES;
    if (!Number.isInteger(minPrices) || minPrices < 1) {
      throw badUserInput('minPrices', minPrices, 'minPrices must be a whole number of at least 1');
    }
    const [origin, destination] = await Promise.all([
      this.validator.resolve('origin', query.origin),
      this.validator.resolve('destination', query.destination),
    ]);
    return { origin, destination, from, to, minPrices };
  }
}

/** Every day of the range once, ascending, with its count and (from `minPrices` prices on) its mean. */
function everyDay(q: ValidRatesQuery, totals: readonly DailyPriceTotal[]): DailyRate[] {
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
