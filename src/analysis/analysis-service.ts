import { formatDay } from '../domain/day';
import { badUserInput } from '../domain/errors';
import { periodStarts, type Granularity } from '../domain/period';
import { LaneRangeValidator, type LaneRangeQuery } from '../rates/validation';
import type { AnalyticsStore, LaneOrder } from '../stores/analytics';
import type { LocationsService } from '../locations';

export const DEFAULT_LANE_STATS_FIRST = 10;
/** Most lanes one laneStats answer may list. */
export const MAX_LANE_STATS_FIRST = 200;

export interface RateSeriesQuery extends LaneRangeQuery {
  readonly granularity: Granularity;
  readonly excludeOutliers?: boolean;
}

/**
 * One period of a series, in US cents, unrounded (each transport rounds once). Statistics are null
 * when no price of the period counts; `priceCount` is always given.
 */
export interface RatePeriod {
  /** First calendar day of the period (a Monday for weeks); may precede dateFrom, only days in range count. */
  readonly periodStart: string;
  readonly priceCount: number;
  readonly meanUsdCents: number | null;
  readonly minUsdCents: number | null;
  readonly maxUsdCents: number | null;
  readonly p25UsdCents: number | null;
  readonly medianUsdCents: number | null;
  readonly p75UsdCents: number | null;
  readonly outliersExcluded: number;
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

/** One port-to-port lane's statistics over the range, in US cents, unrounded. */
export interface LaneStat {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly priceCount: number;
  readonly meanUsdCents: number;
  readonly minUsdCents: number;
  readonly maxUsdCents: number;
  /** Population standard deviation of the counted prices. */
  readonly stddevUsdCents: number;
  /** Coefficient of variation: stddev / mean (0.05 = prices typically 5 % off the mean). */
  readonly volatility: number;
  readonly outliersExcluded: number;
}

/** The analyst's questions beyond daily rates: series by period and per-lane statistics (ClickHouse only). */
export class AnalysisService {
  private readonly validator: LaneRangeValidator;

  constructor(
    locations: LocationsService,
    private readonly analytics: AnalyticsStore,
    limits: { readonly maxRatesRangeDays: number },
  ) {
    this.validator = new LaneRangeValidator(locations, limits);
  }

  /** Every period overlapping dateFrom..dateTo once, ascending, with statistics of its prices in range. */
  async rateSeries(query: RateSeriesQuery): Promise<RateSeries> {
    const q = await this.validator.validate(query);
    const stats = await this.analytics.periodPriceStatistics(
      { originPorts: q.origin.portCodes, destinationPorts: q.destination.portCodes },
      { from: q.from, to: q.to },
      query.granularity,
      { excludeOutliers: query.excludeOutliers ?? false },
    );
    const byStart = new Map(stats.map((s) => [s.periodStart, s]));
    const periods = periodStarts(q.from, q.to, query.granularity).map((start): RatePeriod => {
      const s = byStart.get(start);
      const counted = s !== undefined && s.priceCount > 0;
      return {
        periodStart: formatDay(start),
        priceCount: s?.priceCount ?? 0,
        meanUsdCents: counted ? s.totalUsdCents / s.priceCount : null,
        minUsdCents: counted ? s.minUsdCents : null,
        maxUsdCents: counted ? s.maxUsdCents : null,
        p25UsdCents: counted ? s.p25UsdCents : null,
        medianUsdCents: counted ? s.medianUsdCents : null,
        p75UsdCents: counted ? s.p75UsdCents : null,
        outliersExcluded: s?.outliersExcluded ?? 0,
      };
    });
    return {
      granularity: query.granularity,
      periods,
      outliersExcluded: periods.reduce((sum, p) => sum + p.outliersExcluded, 0),
    };
  }

  /** The `first` lanes by `orderBy` (descending; ties by origin, then destination code). */
  async laneStats(query: LaneStatsQuery): Promise<LaneStat[]> {
    const first = query.first ?? DEFAULT_LANE_STATS_FIRST;
    const { from, to } = this.validator.validateDays(query);
    if (!Number.isInteger(first) || first < 1 || first > MAX_LANE_STATS_FIRST) {
      throw badUserInput('first', first, `first must be a whole number from 1 to ${MAX_LANE_STATS_FIRST}`);
    }
    const [origin, destination] = await Promise.all([
      this.validator.resolve('origin', query.origin),
      this.validator.resolve('destination', query.destination),
    ]);
    const lanes = await this.analytics.laneStatistics(
      { originPorts: origin.portCodes, destinationPorts: destination.portCodes },
      { from, to },
      { orderBy: query.orderBy ?? 'VOLUME', limit: first, excludeOutliers: query.excludeOutliers ?? false },
    );
    return lanes.map((l) => {
      const meanUsdCents = l.totalUsdCents / l.priceCount;
      return {
        originCode: l.originCode,
        destinationCode: l.destinationCode,
        priceCount: l.priceCount,
        meanUsdCents,
        minUsdCents: l.minUsdCents,
        maxUsdCents: l.maxUsdCents,
        stddevUsdCents: l.stddevUsdCents,
        // Prices are positive; a mean of 0 (all prices 0) has no spread to speak of.
        volatility: meanUsdCents === 0 ? 0 : l.stddevUsdCents / meanUsdCents,
        outliersExcluded: l.outliersExcluded,
      };
    });
  }
}
