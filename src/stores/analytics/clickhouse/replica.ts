import type { PriceRecord } from '../../../domain/batch';
import { formatDay } from '../../../domain/day';
import type {
  AnalyticsReplica,
  ReplicaBatchRecord,
  ReplicaBatchState,
  ReplicatedChanges,
  ReplicationCheckpoint,
} from '../ports';
import type { AnalyticsDatabase } from './analytics-database';
import { dropEmptiedParts } from './emptied-parts';
import {
  BATCH_STATE_COLUMNS,
  batchStatesQuery,
  batchStatesTable,
  CHECKPOINT_COLUMNS,
  checkpointsTable,
  DAILY_LANE_DIMENSION_TOTALS,
  deleteBatchesStatement,
  latestCheckpointQuery,
  PRICE_COLUMNS,
  pricesTable,
  latestBatchStateVersionQuery,
  replicaIdQuery,
  replicatedThroughQuery,
  type BatchStateRow,
  type BatchStateVersionRow,
  type CheckpointRow,
  type ReplicaIdRow,
  type ReplicatedThroughRow,
  UNSPECIFIED_DIMENSION,
} from './sql';

/** A price as a row of {@link PRICE_COLUMNS}, its dimensions '' where unspecified. */
export const priceRow = (batchId: string, p: PriceRecord): (string | number)[] => [
  p.originCode,
  p.destinationCode,
  formatDay(p.day),
  p.usdCents,
  batchId,
  p.itemIndex,
  p.containerType ?? UNSPECIFIED_DIMENSION,
  p.contractTerm ?? UNSPECIFIED_DIMENSION,
];

/** One INSERT at most this many rows stays one block by ClickHouse's default; larger ones raise it. */
const DEFAULT_MAX_INSERT_BLOCK_SIZE = 1_048_576;

export class ClickHouseReplica implements AnalyticsReplica {
  constructor(private readonly db: AnalyticsDatabase) {}

  async replicaId(): Promise<string> {
    const [row] = await this.db.select<ReplicaIdRow>(replicaIdQuery(this.db.name));
    if (!row) throw new Error('The analytics replica has no identity; its migrations did not complete');
    return row.id;
  }

  async replicationCheckpoint(): Promise<ReplicationCheckpoint | undefined> {
    const [row] = await this.db.select<CheckpointRow>(latestCheckpointQuery(this.db.name));
    return (
      row && { position: row.position, version: Number(row.version), appliedAt: new Date(Number(row.appliedAtMs)) }
    );
  }

  async replicatedThrough(batchIds: readonly string[]): Promise<Map<string, number>> {
    if (batchIds.length === 0) return new Map();
    const rows = await this.db.select<ReplicatedThroughRow>(replicatedThroughQuery(this.db.name), { ids: batchIds });
    return new Map(rows.map((r) => [r.batchId, Number(r.through)]));
  }

  async batchStates(batchIds: readonly string[]): Promise<Map<string, ReplicaBatchState>> {
    if (batchIds.length === 0) return new Map();
    const rows = await this.db.select<BatchStateRow>(batchStatesQuery(this.db.name), { ids: batchIds });
    return new Map(rows.map((r) => [r.batchId, r.state as ReplicaBatchState]));
  }

  async latestBatchStateVersion(): Promise<number> {
    const [row] = await this.db.select<BatchStateVersionRow>(latestBatchStateVersionQuery(this.db.name));
    return Number(row?.version ?? 0);
  }

  async recordBatchStates(records: readonly ReplicaBatchRecord[], version: number): Promise<void> {
    if (records.length === 0) return;
    await this.db.insert({
      table: batchStatesTable(this.db.name),
      columns: BATCH_STATE_COLUMNS,
      values: records.map((r) => [r.batchId, r.state, version]),
      format: 'JSONCompactEachRow',
    });
  }

  async applyChanges(changes: ReplicatedChanges): Promise<void> {
    const rows = changes.batches.flatMap(({ batchId, prices }) => prices.map((p) => priceRow(batchId, p)));
    if (rows.length > 0) {
      await this.db.insert({
        table: pricesTable(this.db.name),
        columns: PRICE_COLUMNS,
        values: rows,
        format: 'JSONCompactEachRow',
        // One INSERT must stay one block, hence one part, hence atomic: never split it by row count.
        clickhouse_settings: { max_insert_block_size: String(Math.max(rows.length, DEFAULT_MAX_INSERT_BLOCK_SIZE)) },
      });
    }
    if (changes.retractedBatchIds.length > 0) {
      await this.db.command({
        query: deleteBatchesStatement(this.db.name),
        query_params: { ids: changes.retractedBatchIds },
      });
      // A batch that was a part of its own (the usual case until merges) leaves that part empty.
      await dropEmptiedParts(this.db, this.db.name, DAILY_LANE_DIMENSION_TOTALS);
    }
  }

  async saveCheckpoint(checkpoint: ReplicationCheckpoint): Promise<void> {
    await this.db.insert({
      table: checkpointsTable(this.db.name),
      columns: CHECKPOINT_COLUMNS,
      values: [[checkpoint.version, checkpoint.position, checkpoint.appliedAt.getTime()]],
      format: 'JSONCompactEachRow',
    });
  }
}
