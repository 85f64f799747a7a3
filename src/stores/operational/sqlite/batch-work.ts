import type { Statement } from 'better-sqlite3';
import type {
  Batch,
  BatchItemError,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  SettledStatus,
} from '../../../domain/batch';
import type { BatchQueueDepth, BatchWorkQueue } from '../ports';
import { BATCH_COLUMNS, type BatchRow, type SqliteBatchRows } from './batch-rows';
import { promised } from './promised';

/**
 * The work queue of committed chunked batches on SQLite: worker leases, chunk by chunk progress and the
 * step that settles a batch. Every write is one IMMEDIATE transaction fenced by the worker's lease.
 */
export class SqliteBatchWork implements BatchWorkQueue {
  private readonly statements: {
    nextWork: Statement<[number], BatchRow>;
    lease: Statement<[string, number, string]>;
    chunk: Statement<[string, number], { first_item_index: number; content: string }>;
    progress: Statement<[number, number, number, string, number, string]>;
    settle: Statement<[string, number, string, string]>;
    removePrices: Statement<[string]>;
    handBack: Statement<[string, string]>;
    depth: Statement<[number], { waiting: number; in_work: number; oldest: number | null }>;
  };

  constructor(private readonly rows: SqliteBatchRows) {
    const { db } = rows;
    this.statements = {
      nextWork: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches
          WHERE status = 'COMMITTED' OR (status = 'PROCESSING' AND work_expires_at <= ?)
          ORDER BY created_at LIMIT 1`,
      ),
      lease: db.prepare(`UPDATE batches SET status = 'PROCESSING', work_holder = ?, work_expires_at = ? WHERE id = ?`),
      chunk: db.prepare(
        `SELECT first_item_index, content FROM batch_chunks
          WHERE batch_id = ? AND chunk_index = ? AND content IS NOT NULL`,
      ),
      progress: db.prepare(
        `UPDATE batches SET processed_chunks = processed_chunks + 1, processed_count = processed_count + ?,
                accepted_count = accepted_count + ?, error_count = error_count + ?, errors = ?,
                work_expires_at = ?
          WHERE id = ?`,
      ),
      settle: db.prepare(
        `UPDATE batches SET status = ?, work_holder = NULL, work_expires_at = NULL,
                accepted_count = CASE WHEN ? THEN 0 ELSE accepted_count END
          WHERE id = ? AND status = 'PROCESSING' AND work_holder = ?`,
      ),
      removePrices: db.prepare('DELETE FROM prices WHERE batch_id = ?'),
      handBack: db.prepare(
        `UPDATE batches SET status = 'COMMITTED', work_holder = NULL, work_expires_at = NULL
          WHERE id = ? AND status = 'PROCESSING' AND work_holder = ?`,
      ),
      // Through the partial index of queued batches (INDEXED BY: preparing fails if it cannot be used),
      // so only queued rows are read.
      depth: db.prepare(
        `SELECT COUNT(*) - COALESCE(SUM(in_work), 0) AS waiting, COALESCE(SUM(in_work), 0) AS in_work,
                MIN(CASE WHEN in_work THEN NULL ELSE created_at END) AS oldest
           FROM (SELECT created_at, status = 'PROCESSING' AND work_expires_at > ? AS in_work
                   FROM batches INDEXED BY batches_waiting_for_work
                  WHERE status IN ('COMMITTED', 'PROCESSING'))`,
      ),
    };
  }

  claim(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): BatchWork | undefined => {
          const row = this.statements.nextWork.get(now.getTime());
          if (!row) return undefined;
          this.statements.lease.run(holder, now.getTime() + ttlMs, row.id);
          return { batch: this.rows.existing(row.id), holder, processedChunks: row.processed_chunks };
        })
        .immediate(),
    );
  }

  chunk(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined> {
    return promised(() => {
      const row = this.statements.chunk.get(batchId, chunkIndex);
      return row && { index: chunkIndex, firstItemIndex: row.first_item_index, content: row.content };
    });
  }

  recordChunk(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): boolean => {
          const row = this.rows.row(batchId);
          if (!row || row.work_holder !== holder || row.processed_chunks !== outcome.chunkIndex) return false;
          const errors = [...(JSON.parse(row.errors) as BatchItemError[]), ...outcome.reportedErrors];
          this.statements.progress.run(
            outcome.itemCount,
            outcome.prices.length,
            outcome.errorCount,
            JSON.stringify(errors),
            leaseUntil.getTime(),
            batchId,
          );
          this.rows.insertPrices(batchId, outcome.prices);
          return true;
        })
        .immediate(),
    );
  }

  settle(batchId: string, holder: string, status: SettledStatus, at: Date): Promise<Batch | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): Batch | undefined => {
          const rejected = status === 'REJECTED';
          if (this.statements.settle.run(status, rejected ? 1 : 0, batchId, holder).changes !== 1) return undefined;
          if (rejected) this.statements.removePrices.run(batchId);
          this.rows.dropChunkContent(batchId);
          this.rows.logChange('committed', batchId, at.getTime());
          return this.rows.existing(batchId);
        })
        .immediate(),
    );
  }

  handBack(batchId: string, holder: string): Promise<void> {
    return this.rows.writes.run(() => {
      this.statements.handBack.run(batchId, holder);
    });
  }

  depth(now: Date): Promise<BatchQueueDepth> {
    return promised(() => {
      const row = this.statements.depth.get(now.getTime())!;
      return {
        waiting: row.waiting,
        inWork: row.in_work,
        oldestWaitingCreatedAt: row.oldest === null ? undefined : new Date(row.oldest),
      };
    });
  }
}
