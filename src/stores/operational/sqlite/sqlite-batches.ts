import type { Database, Statement } from 'better-sqlite3';
import type { Batch, BatchItemError, BatchStatus, NewBatch, PriceRecord } from '../../../domain/batch';
import { replicatedAtFor } from '../../../domain/batch';
import type { EpochDay } from '../../../domain/day';
import type { BatchCursor, BatchPage, RecordBatchOutcome, ReplicatedChange } from '../operational-store';

interface BatchRow {
  id: string;
  idempotency_key: string;
  request_hash: string;
  status: BatchStatus;
  item_count: number;
  accepted_count: number;
  errors: string;
  created_at: number;
  retracted_at: number | null;
  counted_at: number | null;
  retraction_applied_at: number | null;
}

/** item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor, usd_per_unit */
type PriceTuple = [number, string, string, number, number, string, number, string];

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toBatch(row: BatchRow): Batch {
  const countedAt = dateOrNull(row.counted_at);
  const retractionAppliedAt = dateOrNull(row.retraction_applied_at);
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    status: row.status,
    itemCount: row.item_count,
    acceptedCount: row.accepted_count,
    rejectedCount: row.item_count - row.accepted_count,
    errors: JSON.parse(row.errors) as BatchItemError[],
    createdAt: new Date(row.created_at),
    retractedAt: dateOrNull(row.retracted_at),
    replicatedAt: replicatedAtFor(row.status, countedAt, retractionAppliedAt),
  };
}

const toPrice = ([
  itemIndex,
  originCode,
  destinationCode,
  day,
  usdCents,
  currency,
  amountMinor,
  usdPerUnit,
]: PriceTuple): PriceRecord => ({
  itemIndex,
  originCode,
  destinationCode,
  day: day as EpochDay,
  usdCents,
  currency,
  amountMinor,
  usdPerUnit,
});

/**
 * Rows per INSERT statement when recording a batch: one statement call per row spends most of its time
 * crossing into the driver; 100 rows per call made recording a 50,000-price batch about a quarter faster
 * (measured), and 900 parameters stay far below SQLite's limit of 32,766.
 */
const PRICES_PER_INSERT = 100;

const insertPricesSql = (rows: number): string =>
  `INSERT INTO prices (batch_id, item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor,
                       usd_per_unit)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

const BATCH_COLUMNS = `id, idempotency_key, request_hash, status, item_count, accepted_count, errors, created_at,
  retracted_at, counted_at, retraction_applied_at`;

/** Batches, their prices and the change log on SQLite; every write is one IMMEDIATE transaction. */
export class SqliteBatches {
  private readonly statements: {
    byId: Statement<[string], BatchRow>;
    byIds: Statement<[string], BatchRow>;
    byKey: Statement<[string], BatchRow>;
    newest: Statement<[number], BatchRow>;
    olderThan: Statement<[number, number, string, number], BatchRow>;
    insertBatch: Statement<[BatchRow]>;
    insertPrices: Statement<unknown[]>;
    insertPrice: Statement<unknown[]>;
    logChange: Statement<[string, string, number]>;
    retract: Statement<[number, string]>;
    pricesAsJson: Statement<[string], string>;
    markCounted: Statement<[number, string]>;
    markRetractionApplied: Statement<[number, string]>;
  };

  constructor(private readonly db: Database) {
    this.statements = {
      byId: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`),
      byIds: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id IN (SELECT value FROM json_each(?))`),
      byKey: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE idempotency_key = ?`),
      newest: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY created_at DESC, id DESC LIMIT ?`),
      olderThan: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches
          WHERE created_at < ? OR (created_at = ? AND id < ?)
          ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      insertBatch: db.prepare(
        `INSERT INTO batches (${BATCH_COLUMNS}) VALUES (@id, @idempotency_key, @request_hash, @status, @item_count,
           @accepted_count, @errors, @created_at, @retracted_at, @counted_at, @retraction_applied_at)`,
      ),
      insertPrices: db.prepare(insertPricesSql(PRICES_PER_INSERT)),
      insertPrice: db.prepare(insertPricesSql(1)),
      logChange: db.prepare('INSERT INTO change_log (kind, batch_id, at) VALUES (?, ?, ?)'),
      retract: db.prepare(
        `UPDATE batches SET status = 'RETRACTED', retracted_at = ? WHERE id = ? AND status <> 'RETRACTED'`,
      ),
      // One JSON array per batch, parsed in one call: building a row object per price in the driver
      // cost three times as much (measured on 50,000-price batches).
      pricesAsJson: db
        .prepare<[string], string>(
          `SELECT json_group_array(
                    json_array(item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor,
                               usd_per_unit)
                    ORDER BY item_index)
             FROM prices WHERE batch_id = ?`,
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

  record(batch: NewBatch): RecordBatchOutcome {
    return this.db
      .transaction((): RecordBatchOutcome => {
        const earlier = this.statements.byKey.get(batch.idempotencyKey);
        if (earlier) {
          const kind = earlier.request_hash === batch.requestHash ? 'existing' : 'conflict';
          return { kind, batch: toBatch(earlier) };
        }
        const createdAt = batch.createdAt.getTime();
        this.statements.insertBatch.run({
          id: batch.id,
          idempotency_key: batch.idempotencyKey,
          request_hash: batch.requestHash,
          status: batch.status,
          item_count: batch.itemCount,
          accepted_count: batch.prices.length,
          errors: JSON.stringify(batch.errors),
          created_at: createdAt,
          retracted_at: null,
          counted_at: null,
          retraction_applied_at: null,
        });
        this.insertPrices(batch.id, batch.prices);
        this.statements.logChange.run('committed', batch.id, createdAt);
        return { kind: 'created', batch: toBatch(this.statements.byId.get(batch.id) as BatchRow) };
      })
      .immediate();
  }

  /** Full statements of PRICES_PER_INSERT rows, then one row at a time for the rest. */
  private insertPrices(batchId: string, prices: readonly PriceRecord[]): void {
    const values: unknown[] = [];
    const add = (p: PriceRecord) =>
      values.push(
        batchId,
        p.itemIndex,
        p.originCode,
        p.destinationCode,
        p.day,
        p.usdCents,
        p.currency,
        p.amountMinor,
        p.usdPerUnit,
      );
    const whole = prices.length - (prices.length % PRICES_PER_INSERT);
    for (let start = 0; start < whole; start += PRICES_PER_INSERT) {
      values.length = 0;
      for (let i = start; i < start + PRICES_PER_INSERT; i += 1) add(prices[i] as PriceRecord);
      this.statements.insertPrices.run(values);
    }
    for (let i = whole; i < prices.length; i += 1) {
      values.length = 0;
      add(prices[i] as PriceRecord);
      this.statements.insertPrice.run(values);
    }
  }

  byIds(ids: readonly string[]): (Batch | undefined)[] {
    const found = new Map(this.statements.byIds.all(JSON.stringify(ids)).map((row) => [row.id, toBatch(row)]));
    return ids.map((id) => found.get(id));
  }

  byIdempotencyKey(key: string): Batch | undefined {
    const row = this.statements.byKey.get(key);
    return row && toBatch(row);
  }

  list(first: number, after: BatchCursor | undefined): BatchPage {
    const rows = after
      ? this.statements.olderThan.all(after.createdAt.getTime(), after.createdAt.getTime(), after.id, first + 1)
      : this.statements.newest.all(first + 1);
    return { batches: rows.slice(0, first).map(toBatch), hasMore: rows.length > first };
  }

  retract(id: string, at: Date): Batch | undefined {
    return this.db
      .transaction((): Batch | undefined => {
        if (this.statements.retract.run(at.getTime(), id).changes === 1) {
          this.statements.logChange.run('retracted', id, at.getTime());
        }
        const row = this.statements.byId.get(id);
        return row && toBatch(row);
      })
      .immediate();
  }

  pricesOf(ids: readonly string[]): Map<string, PriceRecord[]> {
    return new Map(
      ids.map((id) => {
        const rows = JSON.parse(this.statements.pricesAsJson.get(id) ?? '[]') as PriceTuple[];
        return [id, rows.map(toPrice)];
      }),
    );
  }

  markReplicated(changes: readonly ReplicatedChange[], at: Date): void {
    const ids = (kind: ReplicatedChange['kind']) =>
      JSON.stringify(changes.filter((c) => c.kind === kind).map((c) => c.batchId));
    this.db.transaction(() => {
      this.statements.markCounted.run(at.getTime(), ids('committed'));
      this.statements.markRetractionApplied.run(at.getTime(), ids('retracted'));
    })();
  }
}
