import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ReplicaSnapshot, ReplicaSnapshots, ReplicationCheckpoint } from '../ports';
import type { ClickHouseEngine } from './client';
import { select } from './database';
import {
  latestCheckpointQuery,
  PRICE_COLUMNS,
  replicaIdQuery,
  stringLiteral,
  type CheckpointRow,
  type ReplicaIdRow,
} from './sql';

/** The first line of a snapshot file: JSON, then a newline, then the prices in ClickHouse's Native format. */
interface SnapshotHeader {
  /** One of {@link PRICE_COLUMNS_OF_FORMAT}'s; files are written in {@link SNAPSHOT_FORMAT}. */
  readonly format: string;
  readonly sourceReplicaId: string;
  /** The identity the replica loaded from this file takes (registered by the export). */
  readonly replicaId: string;
  readonly checkpoint: { readonly version: number; readonly position: string; readonly appliedAtMs: number };
  /** The newest state of every batch the replica records: [batch id, state, version]. */
  readonly batchStates: readonly (readonly [string, string, number])[];
  readonly prices: number;
}

const SNAPSHOT_FORMAT = 'rateline-analytics-snapshot/2';
/**
 * The price columns a file of each format holds. Format 1 (before prices had dimensions) still
 * imports: its prices are unspecified, which is what they were, and the columns it lacks take their
 * default ('').
 */
const PRICE_COLUMNS_OF_FORMAT: Readonly<Record<string, readonly string[]>> = {
  'rateline-analytics-snapshot/1': PRICE_COLUMNS.filter((c) => c !== 'container_type' && c !== 'contract_term'),
  [SNAPSHOT_FORMAT]: PRICE_COLUMNS,
};
/** The header is read in pieces of this size until its newline. */
const HEADER_READ_BYTES = 1 << 20;

interface CountRow {
  readonly n: number | string;
}
interface StateRow {
  readonly batchId: string;
  readonly state: string;
  readonly latest: number | string;
}

/**
 * Snapshots of a replica in one file: a JSON header line (identity, checkpoint, batch states), then
 * every price in the engine's Native format, streamed by the engine itself: chDB writes it with
 * `INTO OUTFILE … APPEND` and reads it back with `file()` (its client connection buffers results and
 * decodes request bodies as text), a ClickHouse server streams it over HTTP both ways. The file is
 * written under `<file>.partial` and renamed once complete, so a crash never leaves a file that
 * looks whole. The caller holds the replica's lease, so nothing writes to it meanwhile.
 */
export class ClickHouseSnapshots implements ReplicaSnapshots {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly engine: ClickHouseEngine,
    private readonly db: string,
  ) {}

  async exportTo(file: string, replicaId: string): Promise<ReplicaSnapshot> {
    const checkpoint = await this.checkpoint();
    if (!checkpoint) throw new Error('The replica has no checkpoint yet: there is nothing consistent to export');
    const [source] = await select<ReplicaIdRow>(this.client, replicaIdQuery(this.db));
    const states = await select<StateRow>(
      this.client,
      `SELECT batch_id AS batchId, argMax(state, version) AS state, max(version) AS latest
         FROM ${this.db}.replica_batches GROUP BY batch_id ORDER BY batch_id`,
    );
    const prices = Number((await select<CountRow>(this.client, `SELECT count() AS n FROM ${this.db}.prices`))[0]?.n);
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      sourceReplicaId: source?.id ?? '',
      replicaId,
      checkpoint: {
        version: checkpoint.version,
        position: checkpoint.position,
        appliedAtMs: checkpoint.appliedAt.getTime(),
      },
      batchStates: states.map((s) => [s.batchId, s.state, Number(s.latest)] as const),
      prices,
    };
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, `${JSON.stringify(header)}\n`);
    const query = `SELECT ${PRICE_COLUMNS.join(', ')} FROM ${this.db}.prices`;
    if (this.engine.kind === 'embedded') {
      await this.client.command({
        query: `${query} INTO OUTFILE ${stringLiteral(path.resolve(partial))} APPEND FORMAT Native`,
      });
    } else {
      const { stream } = await this.client.exec({ query: `${query} FORMAT Native` });
      await pipeline(stream, fs.createWriteStream(partial, { flags: 'a' }));
    }
    fs.renameSync(partial, file);
    return this.summary(header);
  }

  async importFrom(file: string, accept: (snapshot: ReplicaSnapshot) => Promise<void>): Promise<ReplicaSnapshot> {
    const { header, bodyStart } = await readHeader(file);
    await accept(this.summary(header));
    if (await this.checkpoint()) {
      throw new Error('The replica is not empty: it already follows a change feed (it has a checkpoint)');
    }
    // No checkpoint: an empty replica, or an import cut short; either way nothing here counts yet.
    await this.client.command({ query: `TRUNCATE TABLE ${this.db}.prices` });
    await this.client.command({ query: `TRUNCATE TABLE ${this.db}.replica_batches` });
    const columns = (PRICE_COLUMNS_OF_FORMAT[header.format] ?? PRICE_COLUMNS).join(', ');
    const insert = `INSERT INTO ${this.db}.prices (${columns})`;
    if (this.engine.kind === 'embedded') {
      const body = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.native`);
      try {
        await pipeline(fs.createReadStream(file, { start: bodyStart }), fs.createWriteStream(body));
        await this.client.command({ query: `${insert} SELECT ${columns} FROM file(${stringLiteral(body)}, Native)` });
      } finally {
        fs.rmSync(body, { force: true });
      }
    } else {
      await this.client.exec({
        query: `${insert} FORMAT Native`,
        values: fs.createReadStream(file, { start: bodyStart }),
      });
    }
    if (header.batchStates.length > 0) {
      await this.client.insert({
        table: `${this.db}.replica_batches`,
        columns: ['batch_id', 'state', 'version'],
        values: header.batchStates.map((s) => [...s]),
        format: 'JSONCompactEachRow',
      });
    }
    // Identity, then the checkpoint last: until it is there, the replica reads as not imported.
    await this.client.command({ query: `TRUNCATE TABLE ${this.db}.replica` });
    await this.client.command({
      query: `INSERT INTO ${this.db}.replica SELECT toUUID({id:String})`,
      query_params: { id: header.replicaId },
    });
    const { version, position, appliedAtMs } = header.checkpoint;
    await this.client.insert({
      table: `${this.db}.replication_checkpoints`,
      columns: ['version', 'position', 'applied_at_ms'],
      values: [[version, position, appliedAtMs]],
      format: 'JSONCompactEachRow',
    });
    return this.summary(header);
  }

  private async checkpoint(): Promise<ReplicationCheckpoint | undefined> {
    const [row] = await select<CheckpointRow>(this.client, latestCheckpointQuery(this.db));
    return (
      row && { position: row.position, version: Number(row.version), appliedAt: new Date(Number(row.appliedAtMs)) }
    );
  }

  private summary(header: SnapshotHeader): ReplicaSnapshot {
    return {
      sourceReplicaId: header.sourceReplicaId,
      replicaId: header.replicaId,
      position: header.checkpoint.position,
      prices: header.prices,
      batches: header.batchStates.length,
    };
  }
}

/** The header line of a snapshot file and where the prices start; a clear error for any other file. */
async function readHeader(file: string): Promise<{ header: SnapshotHeader; bodyStart: number }> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    for (let offset = 0; ;) {
      const buffer = Buffer.alloc(HEADER_READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
      if (newline >= 0) {
        chunks.push(buffer.subarray(0, newline));
        const text = Buffer.concat(chunks).toString('utf8');
        const header = parseHeader(text, file);
        return { header, bodyStart: offset + newline + 1 };
      }
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
  throw new Error(`${file} is not an analytics snapshot (no header line)`);
}

function parseHeader(text: string, file: string): SnapshotHeader {
  let header: Partial<SnapshotHeader>;
  try {
    header = JSON.parse(text) as Partial<SnapshotHeader>;
  } catch {
    throw new Error(`${file} is not an analytics snapshot (its first line is not JSON)`);
  }
  if (typeof header.format !== 'string' || !Object.hasOwn(PRICE_COLUMNS_OF_FORMAT, header.format)) {
    throw new Error(
      `${file} is not an analytics snapshot of a known version (expected format ${Object.keys(PRICE_COLUMNS_OF_FORMAT).join(' or ')})`,
    );
  }
  return header as SnapshotHeader;
}
