import type { Database, Statement } from 'better-sqlite3';
import type { ReplicationLeases } from '../ports';
import { promised } from './promised';
import type { SqliteWriteQueue } from './write-queue';

interface AcquireParameters {
  replicaId: string;
  holder: string;
  expiresAt: number;
  now: number;
  replacing: string | null;
}

/** Replication leases on SQLite: one row per analytics replica, taken or renewed in one upsert. */
export class SqliteReplicationLeases implements ReplicationLeases {
  private readonly statements: {
    acquire: Statement<[AcquireParameters]>;
    holder: Statement<[string], string>;
    release: Statement<[string, string]>;
  };

  constructor(
    db: Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    this.statements = {
      acquire: db.prepare(
        `INSERT INTO replication_leases (replica_id, holder, expires_at) VALUES (@replicaId, @holder, @expiresAt)
         ON CONFLICT (replica_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE replication_leases.holder IN (excluded.holder, @replacing) OR replication_leases.expires_at <= @now`,
      ),
      holder: db.prepare<[string], string>('SELECT holder FROM replication_leases WHERE replica_id = ?').pluck(),
      release: db.prepare('DELETE FROM replication_leases WHERE replica_id = ? AND holder = ?'),
    };
  }

  acquire(replicaId: string, holder: string, ttlMs: number, now: Date, replacing?: string): Promise<boolean> {
    return this.writes.run(
      () =>
        this.statements.acquire.run({
          replicaId,
          holder,
          expiresAt: now.getTime() + ttlMs,
          now: now.getTime(),
          replacing: replacing ?? null,
        }).changes === 1,
    );
  }

  holder(replicaId: string): Promise<string | undefined> {
    return promised(() => this.statements.holder.get(replicaId));
  }

  release(replicaId: string, holder: string): Promise<void> {
    return this.writes.run(() => {
      this.statements.release.run(replicaId, holder);
    });
  }
}
