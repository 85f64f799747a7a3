import { UNBOUNDED, type Budget } from '../../../domain/budget';
import type { EpochDay } from '../../../domain/day';
import type {
  DailyPriceTotal,
  DailyPriceTotalsWithoutOutliers,
  DayRange,
  LanePorts,
  PriceTotalsQueries,
} from '../ports';
import type { AnalyticsDatabase } from './analytics-database';
import {
  dailyPriceTotalsQuery,
  dailyTotalsWithoutOutliersQuery,
  type DailyPriceTotalsRow,
  type DailyTotalsWithoutOutliersRow,
} from './sql';

/**
 * The client asks for unquoted 64-bit integers; Number() still holds if a server quotes them anyway.
 * Cents stay exact up to 2^53 (about 90 trillion dollars in one day's sum).
 */
function dailyTotalOf(row: DailyPriceTotalsRow): DailyPriceTotal {
  return { day: row.epochDay as EpochDay, priceCount: row.priceCount, totalUsdCents: Number(row.totalUsdCents) };
}

export class ClickHousePriceTotals implements PriceTotalsQueries {
  constructor(private readonly db: AnalyticsDatabase) {}

  async dailyPriceTotals(lane: LanePorts, range: DayRange, budget: Budget = UNBOUNDED): Promise<DailyPriceTotal[]> {
    const rows = await this.db.selectOnLane<DailyPriceTotalsRow>(
      dailyPriceTotalsQuery(this.db.name),
      lane,
      range,
      budget,
    );
    return rows.map(dailyTotalOf);
  }

  async dailyPriceTotalsWithoutOutliers(
    lane: LanePorts,
    range: DayRange,
    budget: Budget = UNBOUNDED,
  ): Promise<DailyPriceTotalsWithoutOutliers> {
    const rows = await this.db.selectOnLane<DailyTotalsWithoutOutliersRow>(
      dailyTotalsWithoutOutliersQuery(this.db.name),
      lane,
      range,
      budget,
    );
    return {
      days: rows.map(dailyTotalOf),
      outliersExcluded: rows.reduce((sum, r) => sum + r.outliersExcluded, 0),
    };
  }
}
