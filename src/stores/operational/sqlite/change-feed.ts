import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Statement } from 'better-sqlite3';
import {
  FeedRestartRequired,
  type BatchChange,
  type ChangeFeed,
  type ChangeFeedReader,
  type FeedBacklog,
  type BatchChangeKind,
  type FeedPosition,
} from '../change-feed';

interface ChangeRow {
  seq: number;
  kind: BatchChangeKind;
  batch_id: string;
  at: number;
}

/**
 * The SQLite adapter's change feed: the `change_log` table, read in `seq` order. The log is complete
 * from the first batch on, so a snapshot is simply reading it from the start. Other processes may
 * write to the same file, so a waiting reader polls; the poll is one indexed range read.
 */
export class SqliteChangeFeed implements ChangeFeed {
  private readonly after: Statement<[number, number], ChangeRow>;
  private readonly backlogAfter: Statement<[number], { changes: number; oldest: number | null }>;

  constructor(
    db: Database,
    private readonly pollIntervalMs: number,
  ) {
    this.after = db.prepare('SELECT seq, kind, batch_id, at FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.backlogAfter = db.prepare('SELECT count(*) AS changes, min(at) AS oldest FROM change_log WHERE seq > ?');
  }

  follow(from: FeedPosition | null): Promise<ChangeFeedReader> {
    // Inside the executor, so that a foreign position rejects rather than throws.
    return new Promise((resolve) => {
      let lastSeq = from === null ? 0 : parseSequence(from);
      const read = (max: number): BatchChange[] =>
        this.after.all(lastSeq, max).map((row) => {
          lastSeq = row.seq;
          return { kind: row.kind, batchId: row.batch_id, position: String(row.seq), at: new Date(row.at) };
        });
      resolve({
        next: async (max: number, waitMs: number) => {
          const deadline = Date.now() + waitMs;
          for (;;) {
            const changes = read(max);
            const remaining = deadline - Date.now();
            if (changes.length > 0 || remaining <= 0) return changes;
            await sleep(Math.min(this.pollIntervalMs, remaining));
          }
        },
        close: () => Promise.resolve(),
      });
    });
  }

  /** A position of another feed counts as none: nothing of this feed has been applied after it. */
  backlog(after: FeedPosition | null): Promise<FeedBacklog> {
    return new Promise((resolve) => {
      const row = this.backlogAfter.get(after === null || !isSequence(after) ? 0 : Number(after));
      resolve({ changes: row?.changes ?? 0, oldestAt: row?.oldest == null ? null : new Date(row.oldest) });
    });
  }
}

const isSequence = (position: FeedPosition): boolean => /^\d+$/.test(position);

function parseSequence(position: FeedPosition): number {
  // A position from another feed (the replica once followed MongoDB): start over from the snapshot.
  if (!isSequence(position)) throw new FeedRestartRequired(`${JSON.stringify(position)} is not a change-log position`);
  return Number(position);
}
