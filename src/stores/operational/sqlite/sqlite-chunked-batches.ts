import type { Database, Statement } from 'better-sqlite3';
import type {
  Batch,
  BatchChunk,
  BatchItemError,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewOpenBatch,
} from '../../../domain/batch';
import type {
  AppendChunkOutcome,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  RecordBatchOutcome,
} from '../operational-store';
import { BATCH_COLUMNS, newBatchRow, toBatch, type BatchRow, type SqliteBatches } from './sqlite-batches';

interface ChunkRow {
  chunk_index: number;
  item_count: number;
  content_hash: string;
}

/**
 * Chunked batches on SQLite: their chunks, the worker leases that process them, and the steps that
 * settle them. Every write is one IMMEDIATE transaction; a worker's writes are fenced by its lease.
 */
export class SqliteChunkedBatches {
  private readonly statements: {
    chunk: Statement<[string, number], ChunkRow>;
    chunks: Statement<[string], ChunkRow>;
    insertChunk: Statement<[string, number, number, string, string]>;
    countChunk: Statement<[number, string]>;
    numberChunk: Statement<[number, string, number]>;
    setStatus: Statement<[string, string]>;
    dropChunkContent: Statement<[string]>;
    expiredOpen: Statement<[number], { id: string }>;
    nextWork: Statement<[number], BatchRow>;
    lease: Statement<[string, number, string]>;
    chunkToProcess: Statement<[string, number], { first_item_index: number; content: string }>;
    progress: Statement<[number, number, number, string, number, string]>;
    settle: Statement<[string, number, string, string]>;
    removePrices: Statement<[string]>;
    release: Statement<[string, string]>;
  };

  constructor(
    private readonly db: Database,
    private readonly batches: SqliteBatches,
  ) {
    this.statements = {
      chunk: db.prepare(
        'SELECT chunk_index, item_count, content_hash FROM batch_chunks WHERE batch_id = ? AND chunk_index = ?',
      ),
      chunks: db.prepare(
        'SELECT chunk_index, item_count, content_hash FROM batch_chunks WHERE batch_id = ? ORDER BY chunk_index',
      ),
      insertChunk: db.prepare(
        `INSERT INTO batch_chunks (batch_id, chunk_index, item_count, content_hash, content)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      countChunk: db.prepare(
        'UPDATE batches SET item_count = item_count + ?, chunk_count = chunk_count + 1 WHERE id = ?',
      ),
      numberChunk: db.prepare('UPDATE batch_chunks SET first_item_index = ? WHERE batch_id = ? AND chunk_index = ?'),
      setStatus: db.prepare('UPDATE batches SET status = ?, open_until = NULL WHERE id = ?'),
      // The rows stay (a few per batch): a chunk retried after its batch moved on is still recognised.
      dropChunkContent: db.prepare('UPDATE batch_chunks SET content = NULL WHERE batch_id = ?'),
      expiredOpen: db.prepare(`SELECT id FROM batches WHERE status = 'OPEN' AND open_until <= ?`),
      nextWork: db.prepare(
        `SELECT ${BATCH_COLUMNS} FROM batches
          WHERE status = 'COMMITTED' OR (status = 'PROCESSING' AND work_expires_at <= ?)
          ORDER BY created_at LIMIT 1`,
      ),
      lease: db.prepare(`UPDATE batches SET status = 'PROCESSING', work_holder = ?, work_expires_at = ? WHERE id = ?`),
      chunkToProcess: db.prepare(
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
      release: db.prepare(
        `UPDATE batches SET status = 'COMMITTED', work_holder = NULL, work_expires_at = NULL
          WHERE id = ? AND status = 'PROCESSING' AND work_holder = ?`,
      ),
    };
  }

  open(batch: NewOpenBatch): RecordBatchOutcome {
    return this.batches.insertUnlessKeyTaken(
      newBatchRow({
        id: batch.id,
        idempotency_key: batch.idempotencyKey,
        request_hash: batch.requestHash,
        status: 'OPEN',
        skip_invalid: batch.skipInvalid ? 1 : 0,
        created_at: batch.createdAt.getTime(),
        open_until: batch.openUntil.getTime(),
      }),
    );
  }

  append(batchId: string, chunk: BatchChunk, maxItems: number): AppendChunkOutcome | undefined {
    return this.db
      .transaction((): AppendChunkOutcome | undefined => {
        const row = this.batches.row(batchId);
        if (!row) return undefined;
        const batch = toBatch(row);
        const earlier = this.statements.chunk.get(batchId, chunk.index);
        if (earlier) return { kind: earlier.content_hash === chunk.contentHash ? 'duplicate' : 'conflict', batch };
        if (row.status !== 'OPEN') return { kind: 'not-open', batch };
        if (row.item_count + chunk.itemCount > maxItems) return { kind: 'too-many-items', batch, maxItems };
        this.statements.insertChunk.run(batchId, chunk.index, chunk.itemCount, chunk.contentHash, chunk.content);
        this.statements.countChunk.run(chunk.itemCount, batchId);
        return { kind: 'appended', batch: this.batches.existing(batchId) };
      })
      .immediate();
  }

  commit(batchId: string): CommitBatchOutcome | undefined {
    return this.db
      .transaction((): CommitBatchOutcome | undefined => {
        const row = this.batches.row(batchId);
        if (!row) return undefined;
        const batch = toBatch(row);
        if (row.status !== 'OPEN') {
          const committed = row.status !== 'ABORTED' && row.status !== 'EXPIRED';
          return { kind: committed ? 'already-committed' : 'not-open', batch };
        }
        const chunks = this.statements.chunks.all(batchId);
        const missing = missingChunkIndexes(chunks);
        if (missing.length > 0) return { kind: 'missing-chunks', batch, missing };
        let firstItemIndex = 0;
        for (const chunk of chunks) {
          this.statements.numberChunk.run(firstItemIndex, batchId, chunk.chunk_index);
          firstItemIndex += chunk.item_count;
        }
        this.statements.setStatus.run('COMMITTED', batchId);
        return { kind: 'committed', batch: this.batches.existing(batchId) };
      })
      .immediate();
  }

  endOpen(batchId: string, status: 'ABORTED' | 'EXPIRED'): EndOpenBatchOutcome | undefined {
    return this.db
      .transaction((): EndOpenBatchOutcome | undefined => {
        const row = this.batches.row(batchId);
        if (!row) return undefined;
        if (row.status !== 'OPEN') return { kind: 'not-open', batch: toBatch(row) };
        this.statements.setStatus.run(status, batchId);
        this.statements.dropChunkContent.run(batchId);
        return { kind: 'ended', batch: this.batches.existing(batchId) };
      })
      .immediate();
  }

  expire(now: Date): string[] {
    const due = this.statements.expiredOpen.all(now.getTime()).map((row) => row.id);
    return due.filter((id) => this.endOpen(id, 'EXPIRED')?.kind === 'ended');
  }

  claim(holder: string, ttlMs: number, now: Date): BatchWork | undefined {
    return this.db
      .transaction((): BatchWork | undefined => {
        const row = this.statements.nextWork.get(now.getTime());
        if (!row) return undefined;
        this.statements.lease.run(holder, now.getTime() + ttlMs, row.id);
        return { batch: this.batches.existing(row.id), holder, processedChunks: row.processed_chunks };
      })
      .immediate();
  }

  chunkToProcess(batchId: string, chunkIndex: number): ChunkToProcess | undefined {
    const row = this.statements.chunkToProcess.get(batchId, chunkIndex);
    return row && { index: chunkIndex, firstItemIndex: row.first_item_index, content: row.content };
  }

  recordChunkOutcome(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): boolean {
    return this.db
      .transaction((): boolean => {
        const row = this.batches.row(batchId);
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
        this.batches.insertPrices(batchId, outcome.prices);
        return true;
      })
      .immediate();
  }

  settle(batchId: string, holder: string, status: 'ACCEPTED' | 'REJECTED', at: Date): Batch | undefined {
    return this.db
      .transaction((): Batch | undefined => {
        const rejected = status === 'REJECTED';
        if (this.statements.settle.run(status, rejected ? 1 : 0, batchId, holder).changes !== 1) return undefined;
        if (rejected) this.statements.removePrices.run(batchId);
        this.statements.dropChunkContent.run(batchId);
        this.batches.logChange('committed', batchId, at.getTime());
        return this.batches.existing(batchId);
      })
      .immediate();
  }

  release(batchId: string, holder: string): void {
    this.statements.release.run(batchId, holder);
  }
}

/** Indexes missing from 0..highest; `[0]` when there is no chunk at all. */
function missingChunkIndexes(chunks: readonly ChunkRow[]): number[] {
  const present = new Set(chunks.map((c) => c.chunk_index));
  const highest = chunks.at(-1)?.chunk_index ?? 0;
  return Array.from({ length: highest + 1 }, (_, i) => i).filter((i) => !present.has(i));
}
