import type { Statement } from 'better-sqlite3';
import type { Batch, BatchOwner, NewBatch, PriceRecord } from '../../../domain/batch';
import { arePricesVisible, restoredStatus, RETRACTABLE_STATUSES } from '../../../domain/batch-rules';
import type { EpochDay } from '../../../domain/day';
import type { ContainerType, ContractTerm } from '../../../domain/freight-dimensions';
import type { BatchChangeKind, ReplicatedChange } from '../change-feed';
import type { BatchCursor, BatchPage, BatchStore, RecordBatchOutcome } from '../ports';
import {
  BATCH_COLUMNS,
  newBatchRow,
  ownerColumn,
  statusList,
  toBatch,
  type BatchRow,
  type SqliteBatchRows,
} from './batch-rows';
import { promised } from './promised';

/**
 * item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor, usd_per_unit,
 * container_type, contract_term (the schema's CHECKs hold them to the domain's codes)
 */
type PriceTuple = [
  number,
  string,
  string,
  number,
  number,
  string,
  number,
  string,
  ContainerType | null,
  ContractTerm | null,
];

const toPrice = ([
  itemIndex,
  originCode,
  destinationCode,
  day,
  usdCents,
  currency,
  amountMinor,
  usdPerUnit,
  containerType,
  contractTerm,
]: PriceTuple): PriceRecord => ({
  itemIndex,
  originCode,
  destinationCode,
  day: day as EpochDay,
  usdCents,
  currency,
  amountMinor,
  usdPerUnit,
  containerType,
  contractTerm,
});

/** What a batch store hands to its write thread (write-thread.ts). */
export interface SqliteBatchThread {
  record(batch: NewBatch): Promise<RecordBatchOutcome>;
  pricesJson(batchId: string, afterItemIndex: number | null, limit: number): Promise<string>;
}

/** Batches recorded whole, read and retracted on SQLite; every write is one IMMEDIATE transaction. */
export class SqliteBatches implements BatchStore {
  private readonly statements: {
    byIds: Statement<[string], BatchRow>;
    newest: Statement<[number], BatchRow>;
    olderThan: Statement<[number, number, string, number], BatchRow>;
    newestOf: Statement<[string, number], BatchRow>;
    olderOfThan: Statement<[string, number, number, string, number], BatchRow>;
    retract: Statement<[number, string]>;
    restore: Statement<[string, string]>;
    pricesAsJson: Statement<[string, number, number], string>;
    markCounted: Statement<[number, string]>;
    markRetractionApplied: Statement<[number, string]>;
  };

  /**
   * `thread`: where whole batches are recorded and their prices read, instead of on this connection
   * (the store's write thread, which does both with a `SqliteBatches` of its own, without one).
   */
  constructor(
    private readonly rows: SqliteBatchRows,
    private readonly thread?: SqliteBatchThread,
  ) {
    const { db } = rows;
    this.statements = {
      byIds: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id IN (SELECT value FROM json_each(?))`),
      newest: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY created_at DESC, id DESC LIMIT ?`),
      olderThan: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches
          WHERE created_at < ? OR (created_at = ? AND id < ?)
          ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      newestOf: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      olderOfThan: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches
          WHERE owner = ? AND (created_at < ? OR (created_at = ? AND id < ?))
          ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      // Unreplicated again: the replicator marks it counted once it has copied the prices back. Not once
      // retention began removing its prices: there would be nothing to copy back.
      restore: db.prepare(
        `UPDATE batches SET status = ?, retracted_at = NULL, counted_at = NULL, retraction_applied_at = NULL
          WHERE id = ? AND status = 'RETRACTED' AND pruning_since IS NULL`,
      ),
      retract: db.prepare(
        `UPDATE batches SET status = 'RETRACTED', retracted_at = ?
          WHERE id = ? AND status IN (${statusList(RETRACTABLE_STATUSES)})`,
      ),
      // One JSON array per page, parsed in one call: building a row object per price in the driver
      // cost three times as much (measured on 50,000-price batches).
      pricesAsJson: db
        .prepare<[string, number, number], string>(
          `SELECT json_group_array(
                    json_array(item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor,
                               usd_per_unit, container_type, contract_term)
                    ORDER BY item_index)
             FROM (SELECT * FROM prices WHERE batch_id = ? AND item_index > ? ORDER BY item_index LIMIT ?)`,
        )
        .pluck(),
      markCounted: db.prepare(
        `UPDATE batches SET counted_at = ?
          WHERE id IN (SELECT value FROM json_each(?)) AND counted_at IS NULL`,
      ),
      markRetractionApplied: db.prepare(
        `UPDATE batches SET retraction_applied_at = ?
          WHERE id IN (SELECT value FROM json_each(?)) AND retraction_applied_at IS NULL`,
      ),
    };
  }

  record(batch: NewBatch): Promise<RecordBatchOutcome> {
    const { thread } = this;
    // The thread's batch is queued too: while it holds the lock, this process writes nothing else.
    if (thread) return this.rows.writes.run(() => thread.record(batch));
    return this.rows.writes.run(() => {
      const createdAt = batch.createdAt.getTime();
      return this.rows.insertUnlessKeyTaken(
        newBatchRow({
          id: batch.id,
          owner: ownerColumn(batch.owner),
          idempotency_key: batch.idempotencyKey,
          request_hash: batch.requestHash,
          status: batch.status,
          skip_invalid: batch.skipInvalid ? 1 : 0,
          created_at: createdAt,
          item_count: batch.itemCount,
          processed_count: batch.itemCount,
          accepted_count: batch.prices.length,
          errors: JSON.stringify(batch.errors),
          error_count: batch.errors.length,
        }),
        () => {
          this.rows.insertPrices(batch.id, batch.prices);
          this.rows.logChange('committed', batch.id, createdAt);
        },
      );
    });
  }

  byIds(ids: readonly string[]): Promise<(Batch | undefined)[]> {
    return promised(() => {
      const found = new Map(this.statements.byIds.all(JSON.stringify(ids)).map((row) => [row.id, toBatch(row)]));
      return ids.map((id) => found.get(id));
    });
  }

  byIdempotencyKey(owner: BatchOwner, key: string): Promise<Batch | undefined> {
    return promised(() => {
      const row = this.rows.rowByKey(owner, key);
      return row && toBatch(row);
    });
  }

  page(first: number, after: BatchCursor | undefined, ownedBy?: string): Promise<BatchPage> {
    return promised(() => {
      const { newest, olderThan, newestOf, olderOfThan } = this.statements;
      const limit = first + 1;
      const rows =
        ownedBy === undefined
          ? after
            ? olderThan.all(after.createdAt.getTime(), after.createdAt.getTime(), after.id, limit)
            : newest.all(limit)
          : after
            ? olderOfThan.all(ownedBy, after.createdAt.getTime(), after.createdAt.getTime(), after.id, limit)
            : newestOf.all(ownedBy, limit);
      return { batches: rows.slice(0, first).map(toBatch), hasMore: rows.length > first };
    });
  }

  retract(id: string, at: Date): Promise<Batch | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): Batch | undefined => {
          if (this.statements.retract.run(at.getTime(), id).changes === 1) {
            this.rows.logChange('retracted', id, at.getTime());
          }
          const row = this.rows.row(id);
          return row && toBatch(row);
        })
        .immediate(),
    );
  }

  restore(id: string, at: Date): Promise<Batch | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): Batch | undefined => {
          const row = this.rows.row(id);
          if (!row) return undefined;
          if (this.statements.restore.run(restoredStatus(toBatch(row)), id).changes === 1) {
            this.rows.logChange('committed', id, at.getTime());
          }
          return this.rows.existing(id);
        })
        .immediate(),
    );
  }

  async pricesOf(batchId: string, afterItemIndex: number | null, limit: number): Promise<PriceRecord[]> {
    const json = await (this.thread
      ? this.thread.pricesJson(batchId, afterItemIndex, limit)
      : promised(() => this.pricesJson(batchId, afterItemIndex, limit)));
    return (JSON.parse(json) as PriceTuple[]).map(toPrice);
  }

  /** A page of {@link pricesOf} as one JSON array of tuples, as SQLite builds it (the part a thread can take). */
  pricesJson(batchId: string, afterItemIndex: number | null, limit: number): string {
    const status = this.rows.row(batchId)?.status;
    if (status === undefined || !arePricesVisible(status)) return '[]';
    return this.statements.pricesAsJson.get(batchId, afterItemIndex ?? -1, limit) ?? '[]';
  }

  markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void> {
    return this.rows.writes.run(() => {
      const ids = (kind: BatchChangeKind) =>
        JSON.stringify(changes.filter((c) => c.kind === kind).map((c) => c.batchId));
      this.rows.db.transaction(() => {
        this.statements.markCounted.run(at.getTime(), ids('committed'));
        this.statements.markRetractionApplied.run(at.getTime(), ids('retracted'));
      })();
    });
  }
}
