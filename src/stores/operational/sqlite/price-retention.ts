import type { Database, Statement } from 'better-sqlite3';
import type { RetentionCandidate } from '../../../domain/retention';
import type { PriceRetention } from '../ports';
import { promised } from './promised';
import type { SqliteWriteQueue } from './write-queue';

interface CandidateRow {
  id: string;
  counted_at: number;
  acknowledged_by: string;
}

/**
 * Retention on SQLite. Every step is one short IMMEDIATE transaction (the write lock is held for one
 * bounded DELETE), so writers wait milliseconds, and several processes pruning at once only repeat
 * deletes that find nothing.
 */
export class SqlitePriceRetention implements PriceRetention {
  private readonly statements: {
    candidates: Statement<[number, number], CandidateRow>;
    mark: Statement<[number, string, number]>;
    isMarked: Statement<[string], number>;
    removePrices: Statement<[string, string, number]>;
    removeChunks: Statement<[string]>;
    finish: Statement<[number, string]>;
    hasPruned: Statement<[], number>;
    priceCount: Statement<[], number>;
  };

  constructor(
    private readonly db: Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    this.statements = {
      // The replicas whose acknowledgement names the batch's latest commit row (a restore logs a new one).
      candidates: db.prepare(
        `SELECT b.id, b.counted_at,
                (SELECT json_group_array(a.replica_id) FROM replica_acks a
                  WHERE a.batch_id = b.id
                    AND a.seq >= (SELECT max(c.seq) FROM change_log c WHERE c.batch_id = b.id AND c.kind = 'committed'))
                  AS acknowledged_by
           FROM batches b INDEXED BY batches_to_prune
          WHERE b.status = 'ACCEPTED' AND b.pruned_at IS NULL AND b.counted_at IS NOT NULL AND b.counted_at <= ?
          ORDER BY b.counted_at LIMIT ?`,
      ),
      mark: db.prepare(
        `UPDATE batches SET pruning_since = coalesce(pruning_since, ?)
          WHERE id = ? AND status = 'ACCEPTED' AND counted_at = ?`,
      ),
      isMarked: db
        .prepare<[string], number>('SELECT count(*) FROM batches WHERE id = ? AND pruning_since IS NOT NULL')
        .pluck(),
      removePrices: db.prepare(
        `DELETE FROM prices WHERE batch_id = ? AND item_index IN
           (SELECT item_index FROM prices WHERE batch_id = ? ORDER BY item_index LIMIT ?)`,
      ),
      removeChunks: db.prepare('DELETE FROM batch_chunks WHERE batch_id = ?'),
      finish: db.prepare('UPDATE batches SET pruned_at = ? WHERE id = ? AND pruning_since IS NOT NULL'),
      hasPruned: db
        .prepare<[], number>('SELECT count(*) FROM (SELECT 1 FROM batches WHERE pruning_since IS NOT NULL LIMIT 1)')
        .pluck(),
      priceCount: db.prepare<[], number>('SELECT count(*) FROM prices').pluck(),
    };
  }

  candidates(countedBefore: Date, limit: number): Promise<RetentionCandidate[]> {
    return promised(() =>
      this.statements.candidates.all(countedBefore.getTime(), limit).map((row) => ({
        batchId: row.id,
        countedAt: new Date(row.counted_at),
        acknowledgedBy: new Set(JSON.parse(row.acknowledged_by) as string[]),
      })),
    );
  }

  markPruning(batchId: string, countedAt: Date): Promise<boolean> {
    return this.writes.run(() =>
      this.db
        .transaction(() => {
          this.statements.mark.run(Date.now(), batchId, countedAt.getTime());
          return this.statements.isMarked.get(batchId) === 1;
        })
        .immediate(),
    );
  }

  removePrices(batchId: string, maxPrices: number): Promise<number> {
    return this.writes.run(() =>
      this.db
        .transaction(() => {
          if (this.statements.isMarked.get(batchId) !== 1) return 0;
          const removed = this.statements.removePrices.run(batchId, batchId, maxPrices).changes;
          if (removed < maxPrices) {
            this.statements.removeChunks.run(batchId);
            this.statements.finish.run(Date.now(), batchId);
          }
          return removed;
        })
        .immediate(),
    );
  }

  hasPruned(): Promise<boolean> {
    return promised(() => this.statements.hasPruned.get() === 1);
  }

  priceCount(): Promise<number> {
    return promised(() => this.statements.priceCount.get() ?? 0);
  }
}
