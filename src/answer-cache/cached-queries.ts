import { UNBOUNDED } from '../domain/budget';
import { filtersNothing } from '../domain/freight-dimensions';
import type { LanePorts, PriceStatisticsQueries, PriceTotalsQueries } from '../stores/analytics';
import type { AnswerCache } from './answer-cache';

/**
 * The port sets as sets: the same ports in another order or repeated ask the same question. The
 * dimension filter (normalised by dimensionFilterOf) is part of the question only when it filters
 * something, so that an unfiltered question keeps the key it had before prices had dimensions.
 */
const portSets = (lane: LanePorts) => ({
  origins: [...new Set(lane.originPorts)].sort(),
  destinations: [...new Set(lane.destinationPorts)].sort(),
  ...(lane.dimensions && !filtersNothing(lane.dimensions) && { dimensions: lane.dimensions }),
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
    // Its own question: a spread answer is never taken for a plain one, nor the other way round.
    dailyPriceSpreads: (lane, range, selection, budget = UNBOUNDED) =>
      cache.answer('dailyPriceSpreads', [portSets(lane), range, selection], budget, (b) =>
        totals.dailyPriceSpreads(lane, range, selection, b),
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
