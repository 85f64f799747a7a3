import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../../../config';
import { formatDay, type EpochDay } from '../../../domain/day';
import type {
  AnalyticsStore,
  DailyPriceTotal,
  DayRange,
  LanePorts,
  ReplicatedChanges,
  ReplicationCheckpoint,
} from '../analytics-store';
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
     AND batch_id NOT IN (SELECT batch_id FROM ${database}.retracted_batches)
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

  async replicaId(): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `SELECT toString(min(replica_id)) AS id FROM ${this.database}.replica`,
    );
    if (!row) throw new Error('The analytics replica has no identity; its migrations did not complete');
    return row.id;
  }

  async replicationCheckpoint(): Promise<ReplicationCheckpoint | undefined> {
    const [row] = await this.rows<{ version: string | number; position: string; appliedAtMs: string | number }>(
      `SELECT version, position, applied_at_ms AS appliedAtMs
         FROM ${this.database}.replication_checkpoints ORDER BY version DESC LIMIT 1`,
    );
    return (
      row && { position: row.position, version: Number(row.version), appliedAt: new Date(Number(row.appliedAtMs)) }
    );
  }

  async batchesPresent(batchIds: readonly string[]): Promise<Set<string>> {
    if (batchIds.length === 0) return new Set();
    const rows = await this.rows<{ batchId: string }>(
      `SELECT DISTINCT batch_id AS batchId FROM ${this.database}.prices WHERE batch_id IN {ids:Array(String)}`,
      { ids: batchIds },
    );
    return new Set(rows.map((r) => r.batchId));
  }

  async applyChanges(changes: ReplicatedChanges): Promise<void> {
    if (changes.prices.length > 0) {
      await this.client.insert({
        table: `${this.database}.prices`,
        columns: ['origin_code', 'destination_code', 'day', 'usd_cents', 'batch_id', 'item_index'],
        values: changes.prices.map((p) => [
          p.originCode,
          p.destinationCode,
          formatDay(p.day),
          p.usdCents,
          p.batchId,
          p.itemIndex,
        ]),
        format: 'JSONCompactEachRow',
        // One INSERT must stay one block, hence one part, hence atomic: never split it by row count.
        clickhouse_settings: { max_insert_block_size: String(Math.max(changes.prices.length, 1_048_576)) },
      });
    }
    if (changes.retractedBatchIds.length > 0) {
      await this.client.insert({
        table: `${this.database}.retracted_batches`,
        columns: ['batch_id'],
        values: changes.retractedBatchIds.map((id) => [id]),
        format: 'JSONCompactEachRow',
      });
    }
  }

  async saveCheckpoint(checkpoint: ReplicationCheckpoint): Promise<void> {
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
