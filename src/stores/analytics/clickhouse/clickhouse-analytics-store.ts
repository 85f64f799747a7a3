import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../../config';
import { formatDay, type EpochDay } from '../../../domain/day';
import type { Granularity } from '../../../domain/period';
import type {
  AnalyticsStore,
  DailyPriceTotal,
  DailyPriceTotalsWithoutOutliers,
  DayRange,
  LaneOrder,
  LanePorts,
  LaneStatistics,
  LaneStatisticsOptions,
  PeriodPriceStatistics,
  PriceSelection,
  ReplicatedChanges,
  ReplicationCheckpoint,
} from '../analytics-store';
import { createClickHouseClient, isClickHouseUnavailable } from './client';
import { migrateAnalyticsSchema } from './migrations';

/** The prices a question is about: these origin ports, these destination ports, these days. */
const SELECTED_PRICES_FILTER = `origin_code IN {origins:Array(String)}
       AND destination_code IN {destinations:Array(String)}
       AND day BETWEEN {from:Date} AND {to:Date}`;

/**
 * The rates aggregate, exported so that the benchmark issues exactly the query the API issues. Days come
 * back as days since 1970-01-01 (a Date's own representation), so nothing parses date strings; the
 * `JSON` format is decoded with one JSON.parse, where `JSONEachRow` parses line by line.
 */
export const dailyPriceTotalsQuery = (database: string): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(count()) AS priceCount, sum(usd_cents) AS totalUsdCents
    FROM ${database}.prices
   WHERE ${SELECTED_PRICES_FILTER}
   GROUP BY day
   ORDER BY day`;

export const DAILY_PRICE_TOTALS_FORMAT = 'JSON';

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
function selectedPrices(database: string, selection: PriceSelection): string {
  if (!selection.excludeOutliers) {
    return `SELECT origin_code, destination_code, day, usd_cents, true AS kept
      FROM ${database}.prices
     WHERE ${SELECTED_PRICES_FILTER}`;
  }
  return `SELECT origin_code, destination_code, day, usd_cents,
           usd_cents BETWEEN fences[1] - 1.5 * (fences[2] - fences[1])
                         AND fences[2] + 1.5 * (fences[2] - fences[1]) AS kept
      FROM (
        SELECT origin_code, destination_code, day, usd_cents,
               quantilesExactInclusive(0.25, 0.75)(usd_cents)
                 OVER (PARTITION BY origin_code, destination_code) AS fences
          FROM ${database}.prices
         WHERE ${SELECTED_PRICES_FILTER})`;
}

const dailyTotalsWithoutOutliersQuery = (database: string): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents, toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, { excludeOutliers: true })})
   GROUP BY day
   ORDER BY day`;

const PERIOD_START: Readonly<Record<Granularity, string>> = {
  DAY: 'day',
  WEEK: 'toMonday(day)', // ISO weeks: Monday to Sunday
  MONTH: 'toStartOfMonth(day)',
  QUARTER: 'toStartOfQuarter(day)',
  YEAR: 'toStartOfYear(day)',
};

/** The series aggregate (exported so that the benchmark issues exactly the query the API issues). */
export const periodPriceStatisticsQuery = (
  database: string,
  granularity: Granularity,
  selection: PriceSelection,
): string => `
  SELECT toUInt32(${PERIOD_START[granularity]}) AS periodStart,
         toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents,
         minIf(usd_cents, kept) AS minUsdCents,
         maxIf(usd_cents, kept) AS maxUsdCents,
         quantilesExactInclusiveIf(0.25, 0.5, 0.75)(usd_cents, kept) AS quartiles,
         toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, selection)})
   GROUP BY periodStart
   ORDER BY periodStart`;

export interface PeriodPriceStatisticsRow {
  readonly periodStart: number;
  readonly priceCount: number;
  readonly totalUsdCents: number | string;
  readonly minUsdCents: number | string;
  readonly maxUsdCents: number | string;
  /** Empty (NaN, written as null) when no price of the period counts. */
  readonly quartiles: readonly (number | string | null)[];
  readonly outliersExcluded: number;
}

const LANE_ORDER: Readonly<Record<LaneOrder, string>> = {
  VOLUME: 'priceCount DESC',
  AVERAGE_PRICE: 'totalUsdCents / priceCount DESC',
  VOLATILITY: 'stddevUsdCents / (totalUsdCents / priceCount) DESC',
};

/** The lane statistics aggregate (exported for the benchmark). Ties break on origin, then destination. */
export const laneStatisticsQuery = (database: string, options: Omit<LaneStatisticsOptions, 'limit'>): string => `
  SELECT origin_code AS originCode, destination_code AS destinationCode,
         toUInt32(countIf(kept)) AS priceCount,
         sumIf(usd_cents, kept) AS totalUsdCents,
         minIf(usd_cents, kept) AS minUsdCents,
         maxIf(usd_cents, kept) AS maxUsdCents,
         stddevPopIf(usd_cents, kept) AS stddevUsdCents,
         toUInt32(countIf(NOT kept)) AS outliersExcluded
    FROM (${selectedPrices(database, options)})
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

/** A Float64 from ClickHouse's JSON: NaN and infinities arrive as null (or quoted when a server quotes them). */
function finiteOrNull(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export class ClickHouseAnalyticsStore implements AnalyticsStore {
  /** Resolved once the schema is up to date; unset while it is not (yet) or the last try failed. */
  private schemaReady: Promise<void> | undefined;

  private constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    migrated: boolean,
  ) {
    if (migrated) this.schemaReady = Promise.resolve();
  }

  /**
   * Connects (or starts the in-process engine) and brings the schema up to date. A ClickHouse server
   * that cannot be reached does not stop the start: the store answers ANALYTICS_UNAVAILABLE and
   * migrates on the first call that reaches the server. Every method of the returned store maps
   * "could not reach ClickHouse" to ANALYTICS_UNAVAILABLE and counts its failures.
   */
  static async open(config: ClickHouseConfig): Promise<ClickHouseAnalyticsStore> {
    const client = createClickHouseClient(config);
    let migrated = true;
    try {
      await migrateAnalyticsSchema(client, config.database);
    } catch (error) {
      if (!(config.url && isClickHouseUnavailable(error))) {
        await client.close();
        throw error;
      }
      migrated = false;
    }
    return new ClickHouseAnalyticsStore(client, config.database, migrated);
  }

  /** Migrates the schema if a start could not; concurrent callers share one attempt. */
  private ready(): Promise<void> {
    this.schemaReady ??= migrateAnalyticsSchema(this.client, this.database).then(
      () => undefined,
      (error: unknown) => {
        this.schemaReady = undefined;
        throw error;
      },
    );
    return this.schemaReady;
  }

  /** Resolves when ClickHouse answers a trivial query (and the schema is in place). */
  async checkAvailable(): Promise<void> {
    await this.ready();
    await this.rows<{ one: number }>('SELECT 1 AS one');
  }

  async dailyPriceTotals(lane: LanePorts, range: DayRange): Promise<DailyPriceTotal[]> {
    await this.ready();
    if (lane.originPorts.length === 0 || lane.destinationPorts.length === 0) return [];
    const result = await this.client.query({
      query: dailyPriceTotalsQuery(this.database),
      query_params: {
        origins: lane.originPorts,
        destinations: lane.destinationPorts,
        from: formatDay(range.from),
        to: formatDay(range.to),
      },
      format: DAILY_PRICE_TOTALS_FORMAT,
    });
    const { data } = await result.json<DailyPriceTotalsRow>();
    // The client asks for unquoted 64-bit integers; Number() still holds if a server quotes them anyway.
    // Cents stay exact up to 2^53 (about 90 trillion dollars in one day's sum).
    return data.map((r) => ({
      day: r.epochDay as EpochDay,
      priceCount: r.priceCount,
      totalUsdCents: Number(r.totalUsdCents),
    }));
  }

  private queryParams(lane: LanePorts, range: DayRange): Record<string, unknown> {
    return {
      origins: lane.originPorts,
      destinations: lane.destinationPorts,
      from: formatDay(range.from),
      to: formatDay(range.to),
    };
  }

  async dailyPriceTotalsWithoutOutliers(lane: LanePorts, range: DayRange): Promise<DailyPriceTotalsWithoutOutliers> {
    await this.ready();
    if (lane.originPorts.length === 0 || lane.destinationPorts.length === 0) return { days: [], outliersExcluded: 0 };
    const result = await this.client.query({
      query: dailyTotalsWithoutOutliersQuery(this.database),
      query_params: this.queryParams(lane, range),
      format: 'JSON',
    });
    const { data } = await result.json<DailyPriceTotalsRow & { readonly outliersExcluded: number }>();
    return {
      days: data.map((r) => ({
        day: r.epochDay as EpochDay,
        priceCount: r.priceCount,
        totalUsdCents: Number(r.totalUsdCents),
      })),
      outliersExcluded: data.reduce((sum, r) => sum + r.outliersExcluded, 0),
    };
  }

  async periodPriceStatistics(
    lane: LanePorts,
    range: DayRange,
    granularity: Granularity,
    selection: PriceSelection,
  ): Promise<PeriodPriceStatistics[]> {
    await this.ready();
    if (lane.originPorts.length === 0 || lane.destinationPorts.length === 0) return [];
    const result = await this.client.query({
      query: periodPriceStatisticsQuery(this.database, granularity, selection),
      query_params: this.queryParams(lane, range),
      format: 'JSON',
    });
    const { data } = await result.json<PeriodPriceStatisticsRow>();
    return data.map((r) => {
      const counted = r.priceCount > 0;
      return {
        periodStart: r.periodStart as EpochDay,
        priceCount: r.priceCount,
        totalUsdCents: Number(r.totalUsdCents),
        minUsdCents: counted ? Number(r.minUsdCents) : null,
        maxUsdCents: counted ? Number(r.maxUsdCents) : null,
        p25UsdCents: counted ? finiteOrNull(r.quartiles[0]) : null,
        medianUsdCents: counted ? finiteOrNull(r.quartiles[1]) : null,
        p75UsdCents: counted ? finiteOrNull(r.quartiles[2]) : null,
        outliersExcluded: r.outliersExcluded,
      };
    });
  }

  async laneStatistics(lane: LanePorts, range: DayRange, options: LaneStatisticsOptions): Promise<LaneStatistics[]> {
    await this.ready();
    if (lane.originPorts.length === 0 || lane.destinationPorts.length === 0) return [];
    const result = await this.client.query({
      query: laneStatisticsQuery(this.database, options),
      query_params: { ...this.queryParams(lane, range), limit: options.limit },
      format: 'JSON',
    });
    const { data } = await result.json<LaneStatisticsRow>();
    return data.map((r) => ({
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

  async replicaId(): Promise<string> {
    await this.ready();
    const [row] = await this.rows<{ id: string }>(
      `SELECT toString(min(replica_id)) AS id FROM ${this.database}.replica`,
    );
    if (!row) throw new Error('The analytics replica has no identity; its migrations did not complete');
    return row.id;
  }

  async replicationCheckpoint(): Promise<ReplicationCheckpoint | undefined> {
    await this.ready();
    const [row] = await this.rows<{ version: string | number; position: string; appliedAtMs: string | number }>(
      `SELECT version, position, applied_at_ms AS appliedAtMs
         FROM ${this.database}.replication_checkpoints ORDER BY version DESC LIMIT 1`,
    );
    return (
      row && { position: row.position, version: Number(row.version), appliedAt: new Date(Number(row.appliedAtMs)) }
    );
  }

  async replicatedThrough(batchIds: readonly string[]): Promise<Map<string, number>> {
    await this.ready();
    if (batchIds.length === 0) return new Map();
    const rows = await this.rows<{ batchId: string; through: number }>(
      `SELECT batch_id AS batchId, max(item_index) AS through FROM ${this.database}.prices
        WHERE batch_id IN {ids:Array(String)} GROUP BY batch_id`,
      { ids: batchIds },
    );
    return new Map(rows.map((r) => [r.batchId, Number(r.through)]));
  }

  async applyChanges(changes: ReplicatedChanges): Promise<void> {
    await this.ready();
    const rows = changes.batches.flatMap(({ batchId, prices }) =>
      prices.map((p) => [p.originCode, p.destinationCode, formatDay(p.day), p.usdCents, batchId, p.itemIndex]),
    );
    if (rows.length > 0) {
      await this.client.insert({
        table: `${this.database}.prices`,
        columns: ['origin_code', 'destination_code', 'day', 'usd_cents', 'batch_id', 'item_index'],
        values: rows,
        format: 'JSONCompactEachRow',
        // One INSERT must stay one block, hence one part, hence atomic: never split it by row count.
        clickhouse_settings: { max_insert_block_size: String(Math.max(rows.length, 1_048_576)) },
      });
    }
    if (changes.retractedBatchIds.length > 0) {
      // A lightweight DELETE: rows are masked at once for every query, parts are rewritten later.
      // Deleting again (a replay after a crash) changes nothing.
      await this.client.command({
        query: `DELETE FROM ${this.database}.prices WHERE batch_id IN {ids:Array(String)}`,
        query_params: { ids: changes.retractedBatchIds },
      });
    }
  }

  async saveCheckpoint(checkpoint: ReplicationCheckpoint): Promise<void> {
    await this.ready();
    await this.client.insert({
      table: `${this.database}.replication_checkpoints`,
      columns: ['version', 'position', 'applied_at_ms'],
      values: [[checkpoint.version, checkpoint.position, checkpoint.appliedAt.getTime()]],
      format: 'JSONCompactEachRow',
    });
  }

  private async rows<Row>(query: string, params?: Record<string, unknown>): Promise<Row[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<Row>();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
