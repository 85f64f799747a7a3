import { formatDay, type EpochDay } from '../domain/day';
import { periodStarts, type Granularity } from '../domain/period';
import type { LaneStatistics, PeriodPriceStatistics } from '../stores/analytics';

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

/**
 * Every period overlapping `from`..`to` once, ascending, from the statistics of the periods that have
 * prices: a period without any gets a count of 0 and null statistics.
 */
export function ratePeriodsFrom(
  statistics: readonly PeriodPriceStatistics[],
  from: EpochDay,
  to: EpochDay,
  granularity: Granularity,
): RatePeriod[] {
  const byStart = new Map(statistics.map((s) => [s.periodStart, s]));
  return periodStarts(from, to, granularity).map((start): RatePeriod => {
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
}

export function laneStatFrom(lane: LaneStatistics): LaneStat {
  const meanUsdCents = lane.totalUsdCents / lane.priceCount;
  return {
    originCode: lane.originCode,
    destinationCode: lane.destinationCode,
    priceCount: lane.priceCount,
    meanUsdCents,
    minUsdCents: lane.minUsdCents,
    maxUsdCents: lane.maxUsdCents,
    stddevUsdCents: lane.stddevUsdCents,
    // Prices are positive; a mean of 0 (all prices 0) has no spread to speak of.
    volatility: meanUsdCents === 0 ? 0 : lane.stddevUsdCents / meanUsdCents,
    outliersExcluded: lane.outliersExcluded,
  };
}
