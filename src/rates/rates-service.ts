import { USD, type CurrencyInfo, type ExchangeRateService } from '../currencies';
import { UNBOUNDED, type Budget } from '../domain/budget';
import type { ResolvedLocation } from '../domain/model';
import type { LocationsReader, LocationsService } from '../locations';
import type { DimensionFilter } from '../domain/freight-dimensions';
import type { MarketSpread } from '../domain/market-spread';
import type { DailyPriceSpreads, DailyPriceTotalsWithoutOutliers, PriceTotalsQueries } from '../stores/analytics';
import { dailyRatesFrom, minPricesArgument, someDayHasEnoughPrices, type DailyRate } from './daily-rates';
import { LaneRangeValidator, type LaneRangeQuery, type ResolvedLane, type ValidDayRange } from './lane-range';
import { widenedScopes, type Ancestry, type LaneScope, type LocationScope, type ScopeLocation } from './scope';

export interface RatesQuery extends LaneRangeQuery {
  readonly minPrices?: number;
  /**
   * Whether each day gets its spread too (`spreadUsdCents`, `spreadMinor`): only then are the prices
   * themselves read, the answer otherwise comes from the daily lane totals.
   */
  readonly withSpread?: boolean;
}

export interface RatesInCurrencyQuery extends RatesQuery {
  /** ISO 4217 code; USD when absent. */
  readonly currency?: string;
}

/** One day of a rates answer in the currency asked for. */
export interface DailyRateInCurrency {
  readonly day: string;
  readonly priceCount: number;
  /** Unrounded mean in minor units of the currency (cents for USD), or null under `minPrices` prices. */
  readonly meanMinor: number | null;
  /** Only when the question asked for the spread: likewise. */
  readonly spreadMinor?: MarketSpread | null;
}

/** Each transport rounds `meanMinor` once, to its own precision (GraphQL to the minor unit, REST to whole units). */
export interface RatesInCurrency {
  readonly currency: CurrencyInfo;
  readonly days: readonly DailyRateInCurrency[];
}

/** NONE answers for the locations asked; PARENT_REGIONS widens them when no day has enough prices. */
export type RatesFallback = 'NONE' | 'PARENT_REGIONS';

export interface ScopedRatesQuery extends RatesQuery {
  readonly fallback?: RatesFallback;
  readonly excludeOutliers?: boolean;
}

export interface ScopedRates {
  readonly days: DailyRate[];
  readonly origin: LocationScope;
  readonly destination: LocationScope;
  /** Prices dropped as outliers over the whole range (0 unless excludeOutliers). */
  readonly outliersExcluded: number;
}

export interface RatesServiceDependencies {
  readonly locations: LocationsService;
  readonly analytics: PriceTotalsQueries;
  readonly exchangeRates: Pick<ExchangeRateService, 'inCurrency'>;
  /** MAX_RATES_RANGE_DAYS. */
  readonly maxRangeDays: number;
}

interface ValidRatesQuery extends ValidDayRange {
  readonly minPrices: number;
  readonly dimensions: DimensionFilter;
  readonly withSpread: boolean;
}

/**
 * Daily average rates between two locations: for every day of the range, the mean of all prices whose
 * origin is among the origin's ports and destination among the destination's ports.
 */
export class RatesService {
  private readonly validator: LaneRangeValidator;

  constructor(private readonly deps: RatesServiceDependencies) {
    this.validator = new LaneRangeValidator(deps.locations, deps.maxRangeDays);
  }

  /**
   * `rates` (GraphQL) and GET /rates: each day's mean in `currency`, converted from USD at that day's
   * rate. The currency is checked once the lane and range are (UNSUPPORTED_CURRENCY, RATE_UNAVAILABLE).
   * Its analytical reads run within `budget` (QUERY_TIMEOUT once it is spent), as in every method here.
   */
  async ratesInCurrency(query: RatesInCurrencyQuery, budget: Budget = UNBOUNDED): Promise<RatesInCurrency> {
    const q = this.checkArguments(query);
    const lane = await this.validator.lane(query);
    const totals = await this.totals(lane, q, false, budget);
    const days = dailyRatesFrom(totals.days, q.from, q.to, q.minPrices, q.withSpread);
    if (query.currency === undefined || query.currency === USD.code) {
      return {
        currency: USD,
        days: days.map((d) => ({
          day: d.day,
          priceCount: d.priceCount,
          meanMinor: d.meanUsdCents,
          ...(d.spreadUsdCents !== undefined && { spreadMinor: d.spreadUsdCents }),
        })),
      };
    }
    return this.deps.exchangeRates.inCurrency(query.currency, days);
  }

  /**
   * `rates` with the scope it was answered for. With PARENT_REGIONS, while no day of the range has
   * `minPrices` prices, the scope widens as {@link widenedScopes} says, until some day does or neither
   * side can move. With excludeOutliers, prices outside their lane's Tukey fences do not count (and so
   * do not count towards `minPrices` either). The spread, when asked for, is of the scope that answered.
   */
  async ratesWithScope(query: ScopedRatesQuery, budget: Budget = UNBOUNDED): Promise<ScopedRates> {
    const q = this.checkArguments(query);
    let lane = await this.validator.lane(query);
    const excludeOutliers = query.excludeOutliers ?? false;
    let scope: LaneScope = { origin: scopeOf(lane.origin), destination: scopeOf(lane.destination) };
    let totals = await this.totals(lane, q, excludeOutliers, budget);
    if (query.fallback === 'PARENT_REGIONS' && !someDayHasEnoughPrices(totals.days, q.minPrices)) {
      const reader = this.deps.locations.forRequest();
      const [originAncestry, destinationAncestry] = await Promise.all([
        ancestry(lane.origin, reader),
        ancestry(lane.destination, reader),
      ]);
      for (const wider of widenedScopes(originAncestry, destinationAncestry).slice(1)) {
        const [origin, destination] = await Promise.all([
          this.widened(lane.origin, wider.origin),
          this.widened(lane.destination, wider.destination),
        ]);
        lane = { origin, destination };
        scope = wider;
        totals = await this.totals(lane, q, excludeOutliers, budget);
        if (someDayHasEnoughPrices(totals.days, q.minPrices)) break;
      }
    }
    return {
      days: dailyRatesFrom(totals.days, q.from, q.to, q.minPrices, q.withSpread),
      origin: scope.origin,
      destination: scope.destination,
      outliersExcluded: totals.outliersExcluded,
    };
  }

  /** The days first (no store call for a malformed request), then minPrices, then the dimensions. */
  private checkArguments(query: RatesQuery): ValidRatesQuery {
    const { from, to } = this.validator.days(query);
    const minPrices = minPricesArgument(query.minPrices);
    return { from, to, minPrices, dimensions: this.validator.dimensions(query), withSpread: query.withSpread ?? false };
  }

  /** One read per scope: the spread's scan gives the totals too. */
  private async totals(
    lane: ResolvedLane,
    q: ValidRatesQuery,
    excludeOutliers: boolean,
    budget: Budget,
  ): Promise<DailyPriceSpreads | DailyPriceTotalsWithoutOutliers> {
    const ports = { ...lanePorts(lane), dimensions: q.dimensions };
    const dayRange = { from: q.from, to: q.to };
    if (q.withSpread) return this.deps.analytics.dailyPriceSpreads(ports, dayRange, { excludeOutliers }, budget);
    if (excludeOutliers) return this.deps.analytics.dailyPriceTotalsWithoutOutliers(ports, dayRange, budget);
    return { days: await this.deps.analytics.dailyPriceTotals(ports, dayRange, budget), outliersExcluded: 0 };
  }

  /** `current`, or the region it widened to (found above it, so the reference data holds it). */
  private async widened(current: ResolvedLocation, wider: ScopeLocation): Promise<ResolvedLocation> {
    if (wider.id === current.id) return current;
    const location = await this.deps.locations.resolve(wider.id);
    if (!location) throw new Error(`Region ${wider.id}, found above ${current.id}, names nothing`);
    return location;
  }
}

const lanePorts = (lane: ResolvedLane) => ({
  originPorts: lane.origin.portCodes,
  destinationPorts: lane.destination.portCodes,
});

/** The scope asked for: no level up. */
const scopeOf = (location: ResolvedLocation): LocationScope => ({ kind: location.kind, id: location.id, levelsUp: 0 });

/** The location and every region above it: a port's region first, then each region's parent. */
async function ancestry(location: ResolvedLocation, reader: LocationsReader): Promise<Ancestry> {
  const regions: ScopeLocation[] = [];
  let above =
    location.kind === 'port'
      ? (await reader.port(location.id))?.regionSlug
      : ((await reader.region(location.id))?.parentSlug ?? undefined);
  while (above !== undefined) {
    regions.push({ kind: 'region', id: above });
    above = (await reader.region(above))?.parentSlug ?? undefined;
  }
  return [{ kind: location.kind, id: location.id }, ...regions];
}
