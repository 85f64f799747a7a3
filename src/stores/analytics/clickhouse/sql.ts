/**
 * Every statement the ClickHouse adapter issues, beside the schema's own (migrations.ts). The query
 * builders the benchmark needs are exported from the store's index, so that it issues exactly the
 * queries the API issues.
 */
import { formatDay } from '../../../domain/day';
import type { Granularity } from '../../../domain/period';
import { ALL_PRICES, filtersNothing, type DimensionFilter } from '../../../domain/freight-dimensions';
import { SPREAD_FIELDS, SPREAD_QUANTILES } from '../../../domain/market-spread';
import type { DayRange, LaneOrder, LanePorts, LaneStatisticsOptions, PriceSelection } from '../ports';

/**
 * The prices a question is about: these origin ports, these destination ports, these days and, when
 * it filters on them, these container types and this contract term. Without a filter the text is the
 * one from before prices had dimensions. The dimension columns are keys of the daily lane totals, so
 * that a filtered rates query is answered from them too.
 */
function selectedPricesFilter(dimensions: DimensionFilter = ALL_PRICES): string {
  const conditions = [
    'origin_code IN {origins:Array(String)}',
    'destination_code IN {destinations:Array(String)}',
    'day BETWEEN {from:Date} AND {to:Date}',
  ];
  if (dimensions.containerTypes !== null) conditions.push('container_type IN {containerTypes:Array(String)}');
  if (dimensions.contractTerm !== null) conditions.push('contract_term = {contractTerm:String}');
  return conditions.join('\n       AND ');
}

/** The parameters of {@link selectedPricesFilter}. */
export function selectedPricesParams(lane: LanePorts, range: DayRange): Record<string, unknown> {
  const dimensions = lane.dimensions ?? ALL_PRICES;
  return {
    origins: lane.originPorts,
    destinations: lane.destinationPorts,
    from: formatDay(range.from),
    to: formatDay(range.to),
    ...(dimensions.containerTypes !== null && { containerTypes: dimensions.containerTypes }),
    ...(dimensions.contractTerm !== null && { contractTerm: dimensions.contractTerm }),
  };
}

/**
 * The rates aggregate. Days come back as days since 1970-01-01 (a Date's own representation), so
 * nothing parses date strings. ClickHouse answers it from the daily lane totals projection
 * (migrations.ts), a few rows per lane and day instead of every price: its filter and keys are the
 * projection's columns and its aggregates the projection's, so it must stay so (a test forces the
 * projection on it, filtered and not).
 */
export const dailyPriceTotalsQuery = (database: string, dimensions?: DimensionFilter): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(count()) AS priceCount, sum(usd_cents) AS totalUsdCents
    FROM ${database}.prices
   WHERE ${selectedPricesFilter(dimensions)}
   GROUP BY day
   ORDER BY day`;

/** Settings of one query, written into its own SETTINGS clause (see {@link settingsClause}). */
export type QuerySettings = Readonly<Record<string, string | number>>;

/**
 * The rates aggregate's settings: the daily totals it should read. Left to choose, ClickHouse plans the
 * question against both projections every time, which cost an unfiltered question about 2 ms more
 * than before the dimension totals existed (10 million prices, region → region over a year, 13.2–16.7
 * against 11.1–13.2 ms; with the preference 11.3–11.8 ms). The preference is only a hint: a question the
 * projection cannot answer still reads what can.
 */
export const dailyPriceTotalsSettings = (dimensions: DimensionFilter = ALL_PRICES): QuerySettings => ({
  preferred_optimize_projection_name: filtersNothing(dimensions) ? DAILY_LANE_TOTALS : DAILY_LANE_DIMENSION_TOTALS,
});

/** A string as a ClickHouse string literal. */
export const stringLiteral = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `SETTINGS a = 'x', b = 2`, or '' for none. */
export function settingsClause(settings: QuerySettings): string {
  const entries = Object.entries(settings).map(
    ([name, value]) => `${name} = ${typeof value === 'number' ? value : stringLiteral(value)}`,
  );
  return entries.length === 0 ? '' : `SETTINGS ${entries.join(', ')}`;
}

export interface DailyPriceTotalsRow {
  readonly epochDay: number;
  readonly priceCount: number;
  readonly totalUsdCents: number | string;
}

/**
 * The selected prices, each with `kept`: whether it counts. Without outlier exclusion every price counts.
 * With it, a price counts when it lies inside Tukey's fences of its lane over the selected days:
 * [Q1 − 1.5 × IQR, Q3 + 1.5 × IQR], Q1 and Q3 exact and interpolated linearly between ranks (type 7,
 * `quantilesExactInclusive`). The window function computes one pair of quartiles per lane in the same
 * scan; quartiles of whole cents are multiples of a quarter cent, so the fences are exact in Float64.
 */
function selectedPrices(database: string, selection: PriceSelection, dimensions?: DimensionFilter): string {
  if (!selection.excludeOutliers) {
    return `SELECT origin_code, destination_code, day, usd_cents, true AS kept
      FROM ${database}.prices
     WHERE ${selectedPricesFilter(dimensions)}`;
  }
  return `SELECT origin_code, destination_code, day, usd_cents,
           usd_cents BETWEEN fences[1] - 1.5 * (fences[2] - fences[1])
                         AND fences[2] + 1.5 * (fences[2] - fences[1]) AS kept
      FROM (
        SELECT origin_code, destination_code, day, usd_cents,
               quantilesExactInclusive(0.25, 0.75)(usd_cents)
                 OVER (PARTITION BY origin_code, destination_code) AS fences
          FROM ${database}.prices
         WHERE ${selectedPricesFilter(dimensions)})`;
}

/** Reads the prices themselves, not the daily totals: the fences need every price of the lane. */
export const dailyTotalsWithoutOutliersQuery = (database: string, dimensions?: DimensionFilter): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents, toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, { excludeOutliers: true }, dimensions)})
   GROUP BY day
   ORDER BY day`;

export interface DailyTotalsWithoutOutliersRow extends DailyPriceTotalsRow {
  readonly outliersExcluded: number;
}

/**
 * The daily totals with the spread of each day's counted prices, in one scan of the prices (the
 * quantiles need every price; the projection holds only counts and sums). In SPREAD_FIELDS' order.
 */
export const dailyPriceSpreadsQuery = (
  database: string,
  selection: PriceSelection,
  dimensions?: DimensionFilter,
): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents,
         quantilesExactInclusiveIf(${SPREAD_FIELDS.map((f) => SPREAD_QUANTILES[f]).join(', ')})(usd_cents, kept) AS spread,
         toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, selection, dimensions)})
   GROUP BY day
   ORDER BY day`;

export interface DailyPriceSpreadsRow extends DailyTotalsWithoutOutliersRow {
  /** NaN (written as null) when no price of the day counts. */
  readonly spread: readonly (number | string | null)[];
}

const PERIOD_START: Readonly<Record<Granularity, string>> = {
  DAY: 'day',
  WEEK: 'toMonday(day)', // ISO weeks: Monday to Sunday
  MONTH: 'toStartOfMonth(day)',
  QUARTER: 'toStartOfQuarter(day)',
  YEAR: 'toStartOfYear(day)',
};

/** The series aggregate. */
export const periodPriceStatisticsQuery = (
  database: string,
  granularity: Granularity,
  selection: PriceSelection,
  dimensions?: DimensionFilter,
): string => `
  SELECT toUInt32(${PERIOD_START[granularity]}) AS periodStart,
         toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents,
         minIf(usd_cents, kept) AS minUsdCents,
         maxIf(usd_cents, kept) AS maxUsdCents,
         quantilesExactInclusiveIf(0.025, 0.25, 0.5, 0.75, 0.975)(usd_cents, kept) AS quantiles,
         toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, selection, dimensions)})
   GROUP BY periodStart
   ORDER BY periodStart`;

export interface PeriodPriceStatisticsRow {
  readonly periodStart: number;
  readonly priceCount: number;
  readonly totalUsdCents: number | string;
  readonly minUsdCents: number | string;
  readonly maxUsdCents: number | string;
  /** 2.5th, 25th, 50th, 75th, 97.5th percentiles; NaN (written as null) when no price of the period counts. */
  readonly quantiles: readonly (number | string | null)[];
  readonly outliersExcluded: number;
}

const LANE_ORDER: Readonly<Record<LaneOrder, string>> = {
  VOLUME: 'priceCount DESC',
  AVERAGE_PRICE: 'totalUsdCents / priceCount DESC',
  VOLATILITY: 'stddevUsdCents / (totalUsdCents / priceCount) DESC',
};

/** The lane statistics aggregate. Ties break on origin, then destination. */
export const laneStatisticsQuery = (
  database: string,
  options: Omit<LaneStatisticsOptions, 'limit'>,
  dimensions?: DimensionFilter,
): string => `
  SELECT origin_code AS originCode, destination_code AS destinationCode,
         toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents,
         minIf(usd_cents, kept) AS minUsdCents,
         maxIf(usd_cents, kept) AS maxUsdCents,
         stddevPopIf(usd_cents, kept) AS stddevUsdCents,
         toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, options, dimensions)})
   GROUP BY origin_code, destination_code
  HAVING priceCount > 0
   ORDER BY ${LANE_ORDER[options.orderBy]}, originCode, destinationCode
   LIMIT {limit:UInt32}`;

export interface LaneStatisticsRow {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly priceCount: number;
  readonly totalUsdCents: number | string;
  readonly minUsdCents: number | string;
  readonly maxUsdCents: number | string;
  readonly stddevUsdCents: number | string;
  readonly outliersExcluded: number;
}

/** The readiness ping. */
export const PING_QUERY = 'SELECT 1 AS one';

export const replicaIdQuery = (database: string): string =>
  `SELECT toString(min(replica_id)) AS id FROM ${database}.replica`;

export interface ReplicaIdRow {
  readonly id: string;
}

export const latestCheckpointQuery = (database: string): string =>
  `SELECT version, position, applied_at_ms AS appliedAtMs
         FROM ${database}.replication_checkpoints ORDER BY version DESC LIMIT 1`;

export interface CheckpointRow {
  readonly version: string | number;
  readonly position: string;
  readonly appliedAtMs: string | number;
}

/** Parameter `ids`: the batches asked about. */
export const replicatedThroughQuery = (database: string): string =>
  `SELECT batch_id AS batchId, max(item_index) AS through FROM ${database}.prices
        WHERE batch_id IN {ids:Array(String)} GROUP BY batch_id`;

export interface ReplicatedThroughRow {
  readonly batchId: string;
  readonly through: number;
}

/** Parameter `ids`. Exact without FINAL: the newest version of each batch's rows wins, merged or not. */
export const batchStatesQuery = (database: string): string =>
  `SELECT batch_id AS batchId, argMax(state, version) AS state FROM ${database}.replica_batches
        WHERE batch_id IN {ids:Array(String)} GROUP BY batch_id`;

export interface BatchStateRow {
  readonly batchId: string;
  readonly state: string;
}

export const latestBatchStateVersionQuery = (database: string): string =>
  `SELECT max(version) AS version FROM ${database}.replica_batches`;

export interface BatchStateVersionRow {
  readonly version: string | number;
}

export const batchStatesTable = (database: string): string => `${database}.replica_batches`;
export const BATCH_STATE_COLUMNS: [string, ...string[]] = ['batch_id', 'state', 'version'];

/**
 * Parameter `ids`: the retracted batches. A lightweight DELETE: rows are masked at once for every
 * query, parts are rewritten later; each part it deletes from gets its daily totals rebuilt in the same
 * mutation (`lightweight_mutation_projection_mode = 'rebuild'`). Deleting again (a replay after a
 * crash) changes nothing.
 */
export const deleteBatchesStatement = (database: string): string =>
  `DELETE FROM ${database}.prices WHERE batch_id IN {ids:Array(String)}`;

/**
 * The aggregate projection of `prices` a rates question filtered on a dimension reads (migrations.ts,
 * version 5): count and sum per lane, day, container type and contract term.
 */
export const DAILY_LANE_DIMENSION_TOTALS = 'daily_lane_dimension_totals';

/** Version 4's projection, per lane and day only: what questions without a dimension filter read. */
export const DAILY_LANE_TOTALS = 'daily_lane_totals';

/**
 * Parameters `db` and `projection`: the parts of `prices` a DELETE masked rows in that do not hold
 * that projection.
 */
export const partsWithoutTotalsQuery = `
  SELECT name FROM system.parts
   WHERE database = {db:String} AND table = 'prices' AND active AND has_lightweight_delete
     AND name NOT IN (SELECT parent_name FROM system.projection_parts
                       WHERE database = {db:String} AND table = 'prices' AND active AND name = {projection:String})`;

/** Parameter `parts`: those of them that still hold a row that counts (DELETE's mask applies to `_part` too). */
export const livePartsQuery = (database: string): string =>
  `SELECT DISTINCT _part AS name FROM ${database}.prices WHERE _part IN {parts:Array(String)}`;

export interface PartNameRow {
  readonly name: string;
}

/** Engine-made part names (`all_2_2_0_8`), checked before one is written into DROP PART. */
const PART_NAME = /^[A-Za-z0-9_-]+$/;

export function dropPartStatement(database: string, part: string): string {
  if (!PART_NAME.test(part)) throw new Error(`Not a part name: ${JSON.stringify(part)}`);
  return `ALTER TABLE ${database}.prices DROP PART '${part}'`;
}

/** The table and columns a replicated price is inserted into, in the order of each row's values. */
export const pricesTable = (database: string): string => `${database}.prices`;
export const PRICE_COLUMNS: [string, ...string[]] = [
  'origin_code',
  'destination_code',
  'day',
  'usd_cents',
  'batch_id',
  'item_index',
  'container_type',
  'contract_term',
];

/** How `container_type` and `contract_term` write an unspecified dimension (their DEFAULT). */
export const UNSPECIFIED_DIMENSION = '';

export const checkpointsTable = (database: string): string => `${database}.replication_checkpoints`;
export const CHECKPOINT_COLUMNS: [string, ...string[]] = ['version', 'position', 'applied_at_ms'];
