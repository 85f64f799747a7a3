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
  readonly lowUsdCents: number | null;
  readonly p25UsdCents: number | null;
  readonly medianUsdCents: number | null;
  readonly p75UsdCents: number | null;
  readonly highUsdCents: number | null;
  readonly outliersExcluded: number;
  /**
   * The mean against the previous period's mean − 1 (0.12: up 12 %); null when either has no counted
   * price. The first period's previous one is the whole period before it.
   */
  readonly change: number | null;
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
 * prices: a period without any gets a count of 0 and null statistics. `previous`: the statistics of
 * the period before the first (undefined when it has no price), which the first period's change is
 * against.
 */
export function ratePeriodsFrom(
  statistics: readonly PeriodPriceStatistics[],
  from: EpochDay,
  to: EpochDay,
  granularity: Granularity,
  previous?: PeriodPriceStatistics,
): RatePeriod[] {
  const byStart = new Map(statistics.map((s) => [s.periodStart, s]));
  let previousMean = previous !== undefined && previous.priceCount > 0 ? meanOf(previous) : null;
  return periodStarts(from, to, granularity).map((start): RatePeriod => {
    const s = byStart.get(start);
    const counted = s !== undefined && s.priceCount > 0;
    const meanUsdCents = counted ? meanOf(s) : null;
    const change = changeBetween(previousMean, meanUsdCents);
    previousMean = meanUsdCents;
    return {
      periodStart: formatDay(start),
      priceCount: s?.priceCount ?? 0,
      meanUsdCents,
      minUsdCents: counted ? s.minUsdCents : null,
      maxUsdCents: counted ? s.maxUsdCents : null,
      lowUsdCents: counted ? s.lowUsdCents : null,
      p25UsdCents: counted ? s.p25UsdCents : null,
      medianUsdCents: counted ? s.medianUsdCents : null,
      p75UsdCents: counted ? s.p75UsdCents : null,
      highUsdCents: counted ? s.highUsdCents : null,
      outliersExcluded: s?.outliersExcluded ?? 0,
      change,
    };
  });
}

const meanOf = (s: PeriodPriceStatistics): number => s.totalUsdCents / s.priceCount;

/** Prices are positive; a mean of 0 before has no ratio to speak of. */
function changeBetween(before: number | null, after: number | null): number | null {
  if (before === null || after === null || before === 0) return null;
  return after / before - 1;
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
