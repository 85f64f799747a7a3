import type { Statement } from 'better-sqlite3';
import type { BatchChunk, NewOpenBatch } from '../../../domain/batch';
import { appendVerdict, commitVerdict } from '../../../domain/batch-rules';
import type {
  AppendChunkOutcome,
  ChunkedBatchStore,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  RecordBatchOutcome,
} from '../ports';
import { newBatchRow, ownerColumn, toBatch, type SqliteBatchRows } from './batch-rows';

interface ChunkRow {
  chunk_index: number;
  item_count: number;
}

/** Chunked batches on SQLite while they take chunks; every write is one IMMEDIATE transaction. */
export class SqliteChunkedBatches implements ChunkedBatchStore {
  private readonly statements: {
    chunkHash: Statement<[string, number], string>;
    chunks: Statement<[string], ChunkRow>;
    insertChunk: Statement<[string, number, number, string, string]>;
    countChunk: Statement<[number, string]>;
    numberChunk: Statement<[number, string, number]>;
    endOpen: Statement<[string, string]>;
    expiredOpen: Statement<[number], string>;
  };

  constructor(private readonly rows: SqliteBatchRows) {
    const { db } = rows;
    this.statements = {
      chunkHash: db
        .prepare<[string, number], string>(
          'SELECT content_hash FROM batch_chunks WHERE batch_id = ? AND chunk_index = ?',
        )
        .pluck(),
      chunks: db.prepare('SELECT chunk_index, item_count FROM batch_chunks WHERE batch_id = ? ORDER BY chunk_index'),
      insertChunk: db.prepare(
        `INSERT INTO batch_chunks (batch_id, chunk_index, item_count, content_hash, content)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      countChunk: db.prepare(
        'UPDATE batches SET item_count = item_count + ?, chunk_count = chunk_count + 1 WHERE id = ?',
      ),
      numberChunk: db.prepare('UPDATE batch_chunks SET first_item_index = ? WHERE batch_id = ? AND chunk_index = ?'),
      endOpen: db.prepare(`UPDATE batches SET status = ?, open_until = NULL WHERE id = ? AND status = 'OPEN'`),
      expiredOpen: db
        .prepare<[number], string>(`SELECT id FROM batches WHERE status = 'OPEN' AND open_until <= ?`)
        .pluck(),
    };
  }

  open(batch: NewOpenBatch): Promise<RecordBatchOutcome> {
    return this.rows.writes.run(() =>
      this.rows.insertUnlessKeyTaken(
        newBatchRow({
          id: batch.id,
          owner: ownerColumn(batch.owner),
          idempotency_key: batch.idempotencyKey,
          request_hash: batch.requestHash,
          status: 'OPEN',
          skip_invalid: batch.skipInvalid ? 1 : 0,
          created_at: batch.createdAt.getTime(),
          open_until: batch.openUntil.getTime(),
        }),
      ),
    );
  }

  append(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): AppendChunkOutcome | undefined => {
          const row = this.rows.row(batchId);
          if (!row) return undefined;
          const batch = toBatch(row);
          const verdict = appendVerdict(batch, this.statements.chunkHash.get(batchId, chunk.index), chunk, maxItems);
          if (verdict.kind !== 'appended') return { ...verdict, batch };
          this.statements.insertChunk.run(batchId, chunk.index, chunk.itemCount, chunk.contentHash, chunk.content);
          this.statements.countChunk.run(chunk.itemCount, batchId);
          return { ...verdict, batch: this.rows.existing(batchId) };
        })
        .immediate(),
    );
  }

  commit(batchId: string): Promise<CommitBatchOutcome | undefined> {
    return this.rows.writes.run(() =>
      this.rows.db
        .transaction((): CommitBatchOutcome | undefined => {
          const row = this.rows.row(batchId);
          if (!row) return undefined;
          const batch = toBatch(row);
          const chunks = row.status === 'OPEN' ? this.statements.chunks.all(batchId) : [];
          const verdict = commitVerdict(
            batch,
            chunks.map((c) => c.chunk_index),
          );
          if (verdict.kind !== 'committed') return { ...verdict, batch };
          let firstItemIndex = 0;
          for (const c of chunks) {
            this.statements.numberChunk.run(firstItemIndex, batchId, c.chunk_index);
            firstItemIndex += c.item_count;
          }
          this.rows.setStatus('COMMITTED', batchId);
          return { ...verdict, batch: this.rows.existing(batchId) };
        })
        .immediate(),
    );
  }

  end(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined> {
    return this.rows.writes.run(() => this.endNow(batchId, status));
  }

  expireDue(now: Date): Promise<string[]> {
    return this.rows.writes.run(() =>
      this.statements.expiredOpen.all(now.getTime()).filter((id) => this.endNow(id, 'EXPIRED')?.kind === 'ended'),
    );
  }

  private endNow(batchId: string, status: 'ABORTED' | 'EXPIRED'): EndOpenBatchOutcome | undefined {
    return this.rows.db
      .transaction((): EndOpenBatchOutcome | undefined => {
        const row = this.rows.row(batchId);
        if (!row) return undefined;
        if (this.statements.endOpen.run(status, batchId).changes === 0)
          return { kind: 'not-open', batch: toBatch(row) };
        this.rows.dropChunkContent(batchId);
        return { kind: 'ended', batch: this.rows.existing(batchId) };
      })
      .immediate();
  }
}
