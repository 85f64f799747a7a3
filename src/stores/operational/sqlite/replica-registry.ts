import type { Database, Statement } from 'better-sqlite3';
import type { ReplicaRecord } from '../../../domain/retention';
import type { BatchChange } from '../change-feed';
import type { ReplicaRegistry } from '../ports';
import { promised } from './promised';
import type { SqliteWriteQueue } from './write-queue';

interface ReplicaRow {
  replica_id: string;
  registered_at: number;
  heard_at: number;
  retired_at: number | null;
}

const toRecord = (row: ReplicaRow): ReplicaRecord => ({
  replicaId: row.replica_id,
  registeredAt: new Date(row.registered_at),
  heardAt: new Date(row.heard_at),
  retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
});

/**
 * The replica registry on SQLite: one row per replica, and one acknowledgement per (batch, replica)
 * naming the change-log row of the commit it applied, so that a restore (a later commit row) is
 * acknowledged anew. Each call is one transaction.
 */
export class SqliteReplicaRegistry implements ReplicaRegistry {
  private readonly statements: {
    register: Statement<[string, number, number]>;
    hear: Statement<[number, string]>;
    byId: Statement<[string], ReplicaRow>;
    all: Statement<[], ReplicaRow>;
    copyAcks: Statement<[string, string]>;
    ack: Statement<[string, string, number, string]>;
    unregister: Statement<[string]>;
    forgetAcks: Statement<[string]>;
    retire: Statement<[number, string, number]>;
  };

  constructor(
    private readonly db: Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    this.statements = {
      register: db.prepare(
        'INSERT INTO replicas (replica_id, registered_at, heard_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      hear: db.prepare('UPDATE replicas SET heard_at = max(heard_at, ?) WHERE replica_id = ? AND retired_at IS NULL'),
      byId: db.prepare('SELECT * FROM replicas WHERE replica_id = ?'),
      all: db.prepare('SELECT * FROM replicas ORDER BY registered_at, replica_id'),
      copyAcks: db.prepare(
        `INSERT INTO replica_acks (batch_id, replica_id, seq)
           SELECT batch_id, ?, seq FROM replica_acks WHERE replica_id = ? ON CONFLICT DO NOTHING`,
      ),
      // Only while the replica is registered and not retired: a retired one no longer holds retention back.
      ack: db.prepare(
        `INSERT INTO replica_acks (batch_id, replica_id, seq)
           SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM replicas WHERE replica_id = ? AND retired_at IS NULL)
         ON CONFLICT DO UPDATE SET seq = max(seq, excluded.seq)`,
      ),
      unregister: db.prepare('DELETE FROM replicas WHERE replica_id = ?'),
      forgetAcks: db.prepare('DELETE FROM replica_acks WHERE replica_id = ?'),
      retire: db.prepare(
        'UPDATE replicas SET retired_at = ? WHERE replica_id = ? AND retired_at IS NULL AND heard_at < ?',
      ),
    };
  }

  heartbeat(
    replicaId: string,
    at: Date,
    acknowledgementsOf?: string,
  ): Promise<{ readonly replica: ReplicaRecord; readonly registered: boolean }> {
    return this.writes.run(() =>
      this.db
        .transaction(() => {
          const registered = this.statements.register.run(replicaId, at.getTime(), at.getTime()).changes === 1;
          if (registered && acknowledgementsOf !== undefined)
            this.statements.copyAcks.run(replicaId, acknowledgementsOf);
          this.statements.hear.run(at.getTime(), replicaId);
          return { replica: toRecord(this.statements.byId.get(replicaId) as ReplicaRow), registered };
        })
        .immediate(),
    );
  }

  acknowledge(replicaId: string, changes: readonly BatchChange[], at: Date): Promise<void> {
    return this.writes.run(() => {
      this.db
        .transaction(() => {
          for (const change of changes) {
            if (change.kind === 'committed') {
              this.statements.ack.run(change.batchId, replicaId, Number(change.position), replicaId);
            }
          }
          this.statements.hear.run(at.getTime(), replicaId);
        })
        .immediate();
    });
  }

  unregister(replicaId: string): Promise<void> {
    return this.writes.run(() => {
      this.db.transaction(() => {
        this.statements.forgetAcks.run(replicaId);
        this.statements.unregister.run(replicaId);
      })();
    });
  }

  replicas(): Promise<ReplicaRecord[]> {
    return promised(() => this.statements.all.all().map(toRecord));
  }

  retire(replicaIds: readonly string[], silentSince: Date, at: Date): Promise<string[]> {
    return this.writes.run(() =>
      this.db
        .transaction(() =>
          replicaIds.filter((id) => this.statements.retire.run(at.getTime(), id, silentSince.getTime()).changes === 1),
        )
        .immediate(),
    );
  }
}
