import { UNBOUNDED } from '../domain/budget';
import type { LanePorts, PriceStatisticsQueries, PriceTotalsQueries } from '../stores/analytics';
import type { AnswerCache } from './answer-cache';

/** The port sets as sets: the same ports in another order or repeated ask the same question. */
const portSets = (lane: LanePorts) => ({
  origins: [...new Set(lane.originPorts)].sort(),
  destinations: [...new Set(lane.destinationPorts)].sort(),
});

/**
 * The analytics ports the services read, answered through the cache. Keyed by what reaches the port
 * (resolved port sets, range, options), never by a caller: analytics are the same for every caller
 * allowed to read them, and the roles are checked before any of this runs.
 */
export function cachedPriceTotals(totals: PriceTotalsQueries, cache: AnswerCache): PriceTotalsQueries {
  return {
    dailyPriceTotals: (lane, range, budget = UNBOUNDED) =>
      cache.answer('dailyPriceTotals', [portSets(lane), range], budget, (b) => totals.dailyPriceTotals(lane, range, b)),
    dailyPriceTotalsWithoutOutliers: (lane, range, budget = UNBOUNDED) =>
      cache.answer('dailyPriceTotalsWithoutOutliers', [portSets(lane), range], budget, (b) =>
        totals.dailyPriceTotalsWithoutOutliers(lane, range, b),
      ),
  };
}

export function cachedPriceStatistics(statistics: PriceStatisticsQueries, cache: AnswerCache): PriceStatisticsQueries {
  return {
    periodPriceStatistics: (lane, range, granularity, selection, budget = UNBOUNDED) =>
      cache.answer('periodPriceStatistics', [portSets(lane), range, granularity, selection], budget, (b) =>
        statistics.periodPriceStatistics(lane, range, granularity, selection, b),
      ),
    laneStatistics: (lane, range, options, budget = UNBOUNDED) =>
      cache.answer('laneStatistics', [portSets(lane), range, options], budget, (b) =>
        statistics.laneStatistics(lane, range, options, b),
      ),
  };
}
