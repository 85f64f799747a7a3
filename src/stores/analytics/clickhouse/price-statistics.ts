import { UNBOUNDED, type Budget } from '../../../domain/budget';
import type { EpochDay } from '../../../domain/day';
import type { Granularity } from '../../../domain/period';
import type {
  DayRange,
  LanePorts,
  LaneStatistics,
  LaneStatisticsOptions,
  PeriodPriceStatistics,
  PriceSelection,
  PriceStatisticsQueries,
} from '../ports';
import type { AnalyticsDatabase } from './analytics-database';
import { finiteOrNull } from './float';
import {
  laneStatisticsQuery,
  periodPriceStatisticsQuery,
  type LaneStatisticsRow,
  type PeriodPriceStatisticsRow,
} from './sql';

export class ClickHousePriceStatistics implements PriceStatisticsQueries {
  constructor(private readonly db: AnalyticsDatabase) {}

  async periodPriceStatistics(
    lane: LanePorts,
    range: DayRange,
    granularity: Granularity,
    selection: PriceSelection,
    budget: Budget = UNBOUNDED,
  ): Promise<PeriodPriceStatistics[]> {
    const rows = await this.db.selectOnLane<PeriodPriceStatisticsRow>(
      periodPriceStatisticsQuery(this.db.name, granularity, selection, lane.dimensions),
      lane,
      range,
      budget,
    );
    return rows.map((r) => {
      const counted = r.priceCount > 0;
      return {
        periodStart: r.periodStart as EpochDay,
        priceCount: r.priceCount,
        totalUsdCents: Number(r.totalUsdCents),
        minUsdCents: counted ? Number(r.minUsdCents) : null,
        maxUsdCents: counted ? Number(r.maxUsdCents) : null,
        lowUsdCents: counted ? finiteOrNull(r.quantiles[0]) : null,
        p25UsdCents: counted ? finiteOrNull(r.quantiles[1]) : null,
        medianUsdCents: counted ? finiteOrNull(r.quantiles[2]) : null,
        p75UsdCents: counted ? finiteOrNull(r.quantiles[3]) : null,
        highUsdCents: counted ? finiteOrNull(r.quantiles[4]) : null,
        outliersExcluded: r.outliersExcluded,
      };
    });
  }

  async laneStatistics(
    lane: LanePorts,
    range: DayRange,
    options: LaneStatisticsOptions,
    budget: Budget = UNBOUNDED,
  ): Promise<LaneStatistics[]> {
    const rows = await this.db.selectOnLane<LaneStatisticsRow>(
      laneStatisticsQuery(this.db.name, options, lane.dimensions),
      lane,
      range,
      budget,
      { params: { limit: options.limit } },
    );
    return rows.map((r) => ({
      originCode: r.originCode,
      destinationCode: r.destinationCode,
      priceCount: r.priceCount,
      totalUsdCents: Number(r.totalUsdCents),
      minUsdCents: Number(r.minUsdCents),
      maxUsdCents: Number(r.maxUsdCents),
      stddevUsdCents: finiteOrNull(r.stddevUsdCents) ?? 0,
      outliersExcluded: r.outliersExcluded,
    }));
  }
}
