import { UNBOUNDED, type Budget } from '../domain/budget';
import { badUserInput } from '../domain/errors';
import { addDays, type EpochDay } from '../domain/day';
import { periodStart, type Granularity } from '../domain/period';
import type { LocationsService } from '../locations';
import { LaneRangeValidator, type LaneRangeQuery } from '../rates';
import type { DayRange, LaneOrder, PriceStatisticsQueries } from '../stores/analytics';
import { laneStatFrom, ratePeriodsFrom, type LaneStat, type RatePeriod } from './statistics';

export const DEFAULT_LANE_STATS_FIRST = 10;
/** Most lanes one laneStats answer may list. */
export const MAX_LANE_STATS_FIRST = 200;

export interface RateSeriesQuery extends LaneRangeQuery {
  readonly granularity: Granularity;
  readonly excludeOutliers?: boolean;
}

export interface RateSeries {
  readonly granularity: Granularity;
  readonly periods: RatePeriod[];
  readonly outliersExcluded: number;
}

export interface LaneStatsQuery extends LaneRangeQuery {
  readonly orderBy?: LaneOrder;
  readonly first?: number;
  readonly excludeOutliers?: boolean;
}

export interface AnalysisServiceDependencies {
  readonly locations: LocationsService;
  readonly analytics: PriceStatisticsQueries;
  /** MAX_RATES_RANGE_DAYS. */
  readonly maxRangeDays: number;
}

/** The analyst's questions beyond daily rates: series by period and per-lane statistics (ClickHouse only). */
export class AnalysisService {
  private readonly validator: LaneRangeValidator;
  private readonly analytics: PriceStatisticsQueries;

  constructor(deps: AnalysisServiceDependencies) {
    this.validator = new LaneRangeValidator(deps.locations, deps.maxRangeDays);
    this.analytics = deps.analytics;
  }

  /**
   * Every period overlapping dateFrom..dateTo once, ascending, with statistics of its prices in range.
   * Its analytical read runs within `budget` (QUERY_TIMEOUT once it is spent), as laneStats' does.
   */
  async rateSeries(query: RateSeriesQuery, budget: Budget = UNBOUNDED): Promise<RateSeries> {
    const { from, to } = this.validator.days(query);
    const dimensions = this.validator.dimensions(query);
    const { origin, destination } = await this.validator.lane(query);
    const lane = { originPorts: origin.portCodes, destinationPorts: destination.portCodes, dimensions };
    const selection = { excludeOutliers: query.excludeOutliers ?? false };
    // The whole period before the first one, read on its own (its own outlier fences, and none of the
    // first period's days before dateFrom), so that the first period has a change too.
    const previous = previousPeriod(from, query.granularity);
    const [statistics, before] = await Promise.all([
      this.analytics.periodPriceStatistics(lane, { from, to }, query.granularity, selection, budget),
      this.analytics.periodPriceStatistics(lane, previous, query.granularity, selection, budget),
    ]);
    const periods = ratePeriodsFrom(statistics, from, to, query.granularity, before[0]);
    return {
      granularity: query.granularity,
      periods,
      outliersExcluded: periods.reduce((sum, p) => sum + p.outliersExcluded, 0),
    };
  }

  /** The `first` lanes by `orderBy` (descending; ties by origin, then destination code). */
  async laneStats(query: LaneStatsQuery, budget: Budget = UNBOUNDED): Promise<LaneStat[]> {
    const { from, to } = this.validator.days(query);
    const first = query.first ?? DEFAULT_LANE_STATS_FIRST;
    if (!Number.isInteger(first) || first < 1 || first > MAX_LANE_STATS_FIRST) {
      throw badUserInput('first', first, `first must be a whole number from 1 to ${MAX_LANE_STATS_FIRST}`);
    }
    const dimensions = this.validator.dimensions(query);
    const { origin, destination } = await this.validator.lane(query);
    const lanes = await this.analytics.laneStatistics(
      { originPorts: origin.portCodes, destinationPorts: destination.portCodes, dimensions },
      { from, to },
      { orderBy: query.orderBy ?? 'VOLUME', limit: first, excludeOutliers: query.excludeOutliers ?? false },
      budget,
    );
    return lanes.map(laneStatFrom);
  }
}

/** The whole calendar period before the one holding `from`. */
function previousPeriod(from: EpochDay, granularity: Granularity): DayRange {
  const lastDay = addDays(periodStart(from, granularity), -1);
  return { from: periodStart(lastDay, granularity), to: lastDay };
}
