import type { SqliteWriteQueue } from './write-queue';
import type { Database, Statement } from 'better-sqlite3';
import type { Batch, BatchItemError, BatchOwner, BatchStatus, PriceRecord } from '../../../domain/batch';
import { batchOf } from '../../../domain/batch-rules';
import type { BatchChangeKind } from '../change-feed';
import type { RecordBatchOutcome } from '../ports';
import { insertInGroups, prepareMultiRowInsert, valuesPlaceholders, type MultiRowInsert } from './multi-row-insert';

export interface BatchRow {
  id: string;
  /** '' for no supplier (SQLite's UNIQUE would take NULLs for distinct owners). */
  owner: string;
  idempotency_key: string;
  request_hash: string;
  status: BatchStatus;
  skip_invalid: number;
  item_count: number;
  chunk_count: number;
  processed_count: number;
  accepted_count: number;
  errors: string;
  error_count: number;
  created_at: number;
  open_until: number | null;
  retracted_at: number | null;
  counted_at: number | null;
  retraction_applied_at: number | null;
  processed_chunks: number;
  work_holder: string | null;
  work_expires_at: number | null;
}

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export const ownerColumn = (owner: BatchOwner): string => owner ?? '';

export function toBatch(row: BatchRow): Batch {
  return batchOf({
    id: row.id,
    owner: row.owner === '' ? null : row.owner,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    status: row.status,
    skipInvalid: row.skip_invalid === 1,
    itemCount: row.item_count,
    chunkCount: row.chunk_count,
    processedCount: row.processed_count,
    acceptedCount: row.accepted_count,
    errors: JSON.parse(row.errors) as BatchItemError[],
    errorCount: row.error_count,
    createdAt: new Date(row.created_at),
    openUntil: dateOrNull(row.open_until),
    retractedAt: dateOrNull(row.retracted_at),
    countedAt: dateOrNull(row.counted_at),
    retractionAppliedAt: dateOrNull(row.retraction_applied_at),
  });
}

/** A list of statuses as SQL text literals, for `status IN (…)`. */
export const statusList = (statuses: readonly BatchStatus[]): string => statuses.map((s) => `'${s}'`).join(', ');

export const BATCH_COLUMNS = `id, owner, idempotency_key, request_hash, status, skip_invalid, item_count, chunk_count,
  processed_count, accepted_count, errors, error_count, created_at, open_until, retracted_at, counted_at,
  retraction_applied_at, processed_chunks, work_holder, work_expires_at`;

/** A new batch's row: nothing processed, replicated or leased yet. */
export function newBatchRow(
  fields: Pick<
    BatchRow,
    'id' | 'owner' | 'idempotency_key' | 'request_hash' | 'status' | 'skip_invalid' | 'created_at'
  > &
    Partial<BatchRow>,
): BatchRow {
  return {
    item_count: 0,
    chunk_count: 0,
    processed_count: 0,
    accepted_count: 0,
    errors: '[]',
    error_count: 0,
    open_until: null,
    retracted_at: null,
    counted_at: null,
    retraction_applied_at: null,
    processed_chunks: 0,
    work_holder: null,
    work_expires_at: null,
    ...fields,
  };
}

const insertPricesSql = (rows: number): string =>
  `INSERT INTO prices (batch_id, item_index, origin_code, destination_code, day, usd_cents, currency, amount_minor,
                       usd_per_unit, container_type, contract_term)
   VALUES ${valuesPlaceholders(rows, 11)}`;

/**
 * The row-level steps the batch ports share on SQLite: batch rows, their prices and the change log.
 * Callers run them inside their own IMMEDIATE transactions.
 */
export class SqliteBatchRows {
  private readonly statements: {
    byId: Statement<[string], BatchRow>;
    byKey: Statement<[string, string], BatchRow>;
    insertBatch: Statement<[BatchRow]>;
    insertPrices: MultiRowInsert;
    logChange: Statement<[string, string, number]>;
    setStatus: Statement<[string, string]>;
    dropChunkContent: Statement<[string]>;
  };

  /** `writes`: the queue of every write this process makes to the file (see {@link SqliteWriteQueue}). */
  constructor(
    readonly db: Database,
    readonly writes: SqliteWriteQueue,
  ) {
    this.statements = {
      byId: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`),
      byKey: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE owner = ? AND idempotency_key = ?`),
      insertBatch: db.prepare(
        `INSERT INTO batches (${BATCH_COLUMNS}) VALUES (@id, @owner, @idempotency_key, @request_hash, @status, @skip_invalid,
           @item_count, @chunk_count, @processed_count, @accepted_count, @errors, @error_count, @created_at,
           @open_until, @retracted_at, @counted_at, @retraction_applied_at, @processed_chunks, @work_holder,
           @work_expires_at)`,
      ),
      insertPrices: prepareMultiRowInsert(db, insertPricesSql),
      logChange: db.prepare('INSERT INTO change_log (kind, batch_id, at) VALUES (?, ?, ?)'),
      setStatus: db.prepare('UPDATE batches SET status = ?, open_until = NULL WHERE id = ?'),
      // The rows stay (a few per batch): a chunk retried after its batch moved on is still recognised.
      dropChunkContent: db.prepare('UPDATE batch_chunks SET content = NULL WHERE batch_id = ?'),
    };
  }

  row(id: string): BatchRow | undefined {
    return this.statements.byId.get(id);
  }

  rowByKey(owner: BatchOwner, key: string): BatchRow | undefined {
    return this.statements.byKey.get(ownerColumn(owner), key);
  }

  /** A batch known to exist (inside a transaction that has just written or checked it). */
  existing(id: string): Batch {
    return toBatch(this.row(id) as BatchRow);
  }

  /**
   * Inserts a batch row (then runs `andThen` in the same transaction) unless its owner already used its
   * idempotency key: then the earlier batch answers, as the same request or a conflicting one.
   */
  insertUnlessKeyTaken(row: BatchRow, andThen: () => void = () => undefined): RecordBatchOutcome {
    return this.db
      .transaction((): RecordBatchOutcome => {
        const earlier = this.statements.byKey.get(row.owner, row.idempotency_key);
        if (earlier) {
          const kind = earlier.request_hash === row.request_hash ? 'existing' : 'conflict';
          return { kind, batch: toBatch(earlier) };
        }
        this.statements.insertBatch.run(row);
        andThen();
        return { kind: 'created', batch: this.existing(row.id) };
      })
      .immediate();
  }

  setStatus(status: BatchStatus, batchId: string): void {
    this.statements.setStatus.run(status, batchId);
  }

  dropChunkContent(batchId: string): void {
    this.statements.dropChunkContent.run(batchId);
  }

  logChange(kind: BatchChangeKind, batchId: string, at: number): void {
    this.statements.logChange.run(kind, batchId, at);
  }

  insertPrices(batchId: string, prices: readonly PriceRecord[]): void {
    insertInGroups(this.statements.insertPrices, prices, (p, into) =>
      into.push(
        batchId,
        p.itemIndex,
        p.originCode,
        p.destinationCode,
        p.day,
        p.usdCents,
        p.currency,
        p.amountMinor,
        p.usdPerUnit,
        p.containerType,
        p.contractTerm,
      ),
    );
  }
}
