import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../../config';
import { formatDay, type EpochDay } from '../../../domain/day';
import type { AnalyticsPrice, AnalyticsStore, DailyPriceTotal, DayRange, LanePorts } from '../analytics-store';
import { createClickHouseClient } from './client';
import { migrateAnalyticsSchema } from './migrations';

/**
 * The rates aggregate, exported so that the benchmark issues exactly the query the API issues. Days come
 * back as days since 1970-01-01 (a Date's own representation), so nothing parses date strings; the
 * `JSON` format is decoded with one JSON.parse, where `JSONEachRow` parses line by line.
 */
export const dailyPriceTotalsQuery = (database: string): string => `
  SELECT toUInt32(day) AS epochDay, toUInt32(count()) AS priceCount, sum(usd_cents) AS totalUsdCents
    FROM ${database}.prices
   WHERE origin_code IN {origins:Array(String)}
     AND destination_code IN {destinations:Array(String)}
     AND day BETWEEN {from:Date} AND {to:Date}
   GROUP BY day
   ORDER BY day`;

export const DAILY_PRICE_TOTALS_FORMAT = 'JSON';

export interface DailyPriceTotalsRow {
  readonly epochDay: number;
  readonly priceCount: number;
  readonly totalUsdCents: number | string;
}

export class ClickHouseAnalyticsStore implements AnalyticsStore {
  private constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** Connects (or starts the in-process engine) and brings the schema up to date. */
  static async open(config: ClickHouseConfig, dataDir: string): Promise<ClickHouseAnalyticsStore> {
    const client = createClickHouseClient(config, dataDir);
    try {
      await migrateAnalyticsSchema(client, config.database);
    } catch (error) {
      await client.close();
      throw error;
    }
    return new ClickHouseAnalyticsStore(client, config.database);
  }

  async dailyPriceTotals(lane: LanePorts, range: DayRange): Promise<DailyPriceTotal[]> {
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

  async batchPriceCount(batchId: string): Promise<number> {
    const result = await this.client.query({
      query: `SELECT count() AS n FROM ${this.database}.prices WHERE batch_id = {batchId:String}`,
      query_params: { batchId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: number | string }>();
    return Number(row?.n ?? 0);
  }

  async appendPrices(prices: readonly AnalyticsPrice[]): Promise<void> {
    if (prices.length === 0) return;
    await this.client.insert({
      table: `${this.database}.prices`,
      values: prices.map((p) => ({
        origin_code: p.originCode,
        destination_code: p.destinationCode,
        day: p.day,
        usd_cents: p.usdCents,
        batch_id: p.batchId,
        price_id: p.priceId,
        change_seq: 0,
      })),
      format: 'JSONEachRow',
    });
  }

  async removeBatch(batchId: string): Promise<void> {
    await this.client.command({
      query: `ALTER TABLE ${this.database}.prices DELETE WHERE batch_id = {batchId:String}`,
      query_params: { batchId },
      clickhouse_settings: { mutations_sync: '2' },
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
