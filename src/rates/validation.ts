import { daysInRange, parseDay, type EpochDay } from '../domain/day';
import { RatelineError, badUserInput } from '../domain/errors';
import type { ResolvedLocation } from '../domain/model';
import type { LocationsService } from '../locations';

/** The arguments every analytical question shares, as the client sent them. */
export interface LaneRangeQuery {
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
}

/** The same, checked: real days in order within the limit, locations resolved to their ports. */
export interface ValidLaneRange {
  readonly origin: ResolvedLocation;
  readonly destination: ResolvedLocation;
  readonly from: EpochDay;
  readonly to: EpochDay;
}

/**
 * Checks and resolves the shared arguments, naming the argument at fault exactly as `rates` always has:
 * BAD_USER_INPUT for a malformed or impossible day, an inverted range or one over MAX_RATES_RANGE_DAYS;
 * UNKNOWN_LOCATION for a code or slug that names nothing. Used by `rates`, `ratesWithScope`,
 * `rateSeries`, `laneStats` and the CSV exports alike.
 */
export class LaneRangeValidator {
  constructor(
    private readonly locations: Pick<LocationsService, 'resolve'>,
    private readonly limits: { readonly maxRatesRangeDays: number },
  ) {}

  /** Checks the days first (no store call for a malformed request), then resolves both locations. */
  async validate(query: LaneRangeQuery): Promise<ValidLaneRange> {
    const { from, to } = this.validateDays(query);
    const [origin, destination] = await Promise.all([
      this.resolve('origin', query.origin),
      this.resolve('destination', query.destination),
    ]);
    return { origin, destination, from, to };
  }

  validateDays(query: Pick<LaneRangeQuery, 'dateFrom' | 'dateTo'>): { from: EpochDay; to: EpochDay } {
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
    return { from, to };
  }

  async resolve(field: 'origin' | 'destination', id: string): Promise<ResolvedLocation> {
    const location = await this.locations.resolve(id);
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
