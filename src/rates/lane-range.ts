import { dayRangeArguments } from '../domain/day-arguments';
import type { EpochDay } from '../domain/day';
import { RatelineError } from '../domain/errors';
import { dimensionFilterOf, type DimensionFilter } from '../domain/freight-dimensions';
import type { ResolvedLocation } from '../domain/model';
import type { LocationsService } from '../locations';

/** The arguments every analytical question shares, as the client sent them. */
export interface LaneRangeQuery {
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  /** Count only prices of these container types (codes or their other spellings); absent: every price. */
  readonly containerTypes?: readonly string[] | null;
  /** Count only prices of this contract term; absent: every price. */
  readonly contractTerm?: string | null;
}

export interface ValidDayRange {
  readonly from: EpochDay;
  readonly to: EpochDay;
}

/** Both ends of a lane, resolved to their ports. */
export interface ResolvedLane {
  readonly origin: ResolvedLocation;
  readonly destination: ResolvedLocation;
}

/**
 * Checks and resolves the arguments every analytical question shares (`rates`, `ratesWithScope`,
 * `rateSeries`, `laneStats`, GET /rates and the CSV exports), naming the argument at fault:
 * BAD_USER_INPUT for a bad day, an inverted range or one over MAX_RATES_RANGE_DAYS (see
 * domain/day-arguments.ts) or an unknown container type or contract term, UNKNOWN_LOCATION for a code
 * or slug that names nothing. The days and dimensions are checked before anything is looked up, so a
 * malformed request costs no store call.
 */
export class LaneRangeValidator {
  constructor(
    private readonly locations: Pick<LocationsService, 'resolveAll'>,
    private readonly maxRangeDays: number,
  ) {}

  days(query: Pick<LaneRangeQuery, 'dateFrom' | 'dateTo'>): ValidDayRange {
    return dayRangeArguments(query, { maxDays: this.maxRangeDays, setting: 'MAX_RATES_RANGE_DAYS' });
  }

  /** The prices counted by container type and contract term (BAD_USER_INPUT for a code that names none). */
  dimensions(query: Pick<LaneRangeQuery, 'containerTypes' | 'contractTerm'>): DimensionFilter {
    return dimensionFilterOf(query.containerTypes, query.contractTerm);
  }

  async lane(query: Pick<LaneRangeQuery, 'origin' | 'destination'>): Promise<ResolvedLane> {
    const [origin, destination] = await this.locations.resolveAll([query.origin, query.destination]);
    return {
      origin: known('origin', query.origin, origin),
      destination: known('destination', query.destination, destination),
    };
  }
}

/** UNKNOWN_LOCATION naming the argument unless `location` resolved it. */
function known(field: 'origin' | 'destination', id: string, location: ResolvedLocation | undefined): ResolvedLocation {
  if (!location) {
    throw new RatelineError('UNKNOWN_LOCATION', `${field} "${id}" is neither a port code nor a region slug`, field, id);
  }
  return location;
}
