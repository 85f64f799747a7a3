import { UNBOUNDED, type Budget } from '../../../domain/budget';
import type { EpochDay } from '../../../domain/day';
import { SPREAD_FIELDS, type MarketSpread } from '../../../domain/market-spread';
import type {
  DailyPriceSpreads,
  DailyPriceTotal,
  DailyPriceTotalsWithoutOutliers,
  DayRange,
  LanePorts,
  PriceSelection,
  PriceTotalsQueries,
} from '../ports';
import type { AnalyticsDatabase } from './analytics-database';
import { finiteOrNull } from './float';
import {
  dailyPriceSpreadsQuery,
  dailyPriceTotalsQuery,
  dailyPriceTotalsSettings,
  dailyTotalsWithoutOutliersQuery,
  type DailyPriceSpreadsRow,
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
      dailyPriceTotalsQuery(this.db.name, lane.dimensions),
      lane,
      range,
      budget,
      { settings: dailyPriceTotalsSettings(lane.dimensions) },
    );
    return rows.map(dailyTotalOf);
  }

  async dailyPriceTotalsWithoutOutliers(
    lane: LanePorts,
    range: DayRange,
    budget: Budget = UNBOUNDED,
  ): Promise<DailyPriceTotalsWithoutOutliers> {
    const rows = await this.db.selectOnLane<DailyTotalsWithoutOutliersRow>(
      dailyTotalsWithoutOutliersQuery(this.db.name, lane.dimensions),
      lane,
      range,
      budget,
    );
    return {
      days: rows.map(dailyTotalOf),
      outliersExcluded: rows.reduce((sum, r) => sum + r.outliersExcluded, 0),
    };
  }

  async dailyPriceSpreads(
    lane: LanePorts,
    range: DayRange,
    selection: PriceSelection,
    budget: Budget = UNBOUNDED,
  ): Promise<DailyPriceSpreads> {
    const rows = await this.db.selectOnLane<DailyPriceSpreadsRow>(
      dailyPriceSpreadsQuery(this.db.name, selection, lane.dimensions),
      lane,
      range,
      budget,
    );
    return {
      days: rows.map((r) => ({ ...dailyTotalOf(r), spreadUsdCents: r.priceCount > 0 ? spreadOf(r.spread) : null })),
      outliersExcluded: rows.reduce((sum, r) => sum + r.outliersExcluded, 0),
    };
  }
}

/** The quantiles in SPREAD_FIELDS' order, as the query lists them. */
function spreadOf(quantiles: DailyPriceSpreadsRow['spread']): MarketSpread {
  return Object.fromEntries(
    SPREAD_FIELDS.map((field, i) => {
      const value = finiteOrNull(quantiles[i]);
      if (value === null) throw new Error(`The ${field} of a day with prices came back as ${String(quantiles[i])}`);
      return [field, value];
    }),
  ) as Record<keyof MarketSpread, number>;
}
