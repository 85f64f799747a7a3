import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type {
  Batch,
  BatchChunk,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewBatch,
  NewOpenBatch,
  PriceRecord,
} from '../../../domain/batch';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../../domain/exchange-rates';
import type { Port, Region, ResolvedLocation } from '../../../domain/model';
import type { ChangeFeed } from '../change-feed';
import type {
  AppendChunkOutcome,
  BatchCursor,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  BatchPage,
  OperationalStore,
  RecordBatchOutcome,
  ReferenceData,
  ReferenceDataCounts,
  ReplicatedChange,
} from '../operational-store';
import { SqliteBatches } from './sqlite-batches';
import { SqliteChangeFeed } from './sqlite-change-feed';
import { SqliteChunkedBatches } from './sqlite-chunked-batches';
import { guardStore } from '../../store-errors';
import { SqliteExchangeRates } from './sqlite-exchange-rates';
import { migrateOperationalSchema } from './schema';

interface PortRow {
  code: string;
  name: string;
  region_slug: string;
}
interface RegionRow {
  slug: string;
  name: string;
  parent_slug: string | null;
}
interface KeyedPortRow extends PortRow {
  key: string;
}

const toPort = (row: PortRow): Port => ({ code: row.code, name: row.name, regionSlug: row.region_slug });
const toRegion = (row: RegionRow): Region => ({ slug: row.slug, name: row.name, parentSlug: row.parent_slug });

/** Groups rows by `key` into one list per requested key, in the order the keys were asked for. */
function groupByKey<Row extends { key: string }, T>(keys: readonly string[], rows: Row[], map: (row: Row) => T): T[][] {
  const grouped = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) grouped.get(row.key)?.push(map(row));
  return keys.map((k) => grouped.get(k) ?? []);
}

/** better-sqlite3 is synchronous; the store's contract is asynchronous, failures included. */
function answer<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

/** Regions at or below each root, recursively; UNION (not UNION ALL) stops on a cycle. */
const REGION_TREE = `
  WITH RECURSIVE tree(key, slug) AS (
    SELECT slug, slug FROM regions WHERE slug IN (SELECT value FROM json_each(?))
    UNION
    SELECT tree.key, regions.slug FROM regions JOIN tree ON regions.parent_slug = tree.slug
  )`;

/** The embedded operational store on SQLite (better-sqlite3, WAL, synchronous=FULL). */
/**
 * The file cannot be used for now (locked past the busy timeout, I/O error, disk full, cannot be
 * opened): a retry may succeed, as with a server that does not answer.
 */
function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_BUSY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'))
  );
}

export class SqliteOperationalStore implements OperationalStore {
  private readonly statements: {
    portsByCodes: Statement<[string], PortRow>;
    regionsBySlugs: Statement<[string], RegionRow>;
    childRegions: Statement<[string], RegionRow & { key: string }>;
    portsWithin: Statement<[string], KeyedPortRow>;
    allPorts: Statement<[], PortRow>;
    allRegions: Statement<[], RegionRow>;
    portByCode: Statement<[string], PortRow>;
    regionBySlug: Statement<[string], RegionRow>;
    upsertRegion: Statement<[RegionRow]>;
    upsertPort: Statement<[PortRow]>;
    counts: Statement<[], ReferenceDataCounts>;
    acquireLease: Statement<
      [{ replicaId: string; holder: string; expiresAt: number; now: number; replacing: string | null }]
    >;
    leaseHolder: Statement<[string], { holder: string }>;
    releaseLease: Statement<[string, string]>;
  };
  private readonly batches: SqliteBatches;
  private readonly chunked: SqliteChunkedBatches;
  private readonly exchangeRates: SqliteExchangeRates;
  readonly changeFeed: ChangeFeed;

  private constructor(
    private readonly db: Database,
    changeFeedPollMs: number,
  ) {
    this.batches = new SqliteBatches(db);
    this.chunked = new SqliteChunkedBatches(db, this.batches);
    this.exchangeRates = new SqliteExchangeRates(db);
    this.changeFeed = new SqliteChangeFeed(db, changeFeedPollMs);
    this.statements = {
      portsByCodes: db.prepare(
        'SELECT code, name, region_slug FROM ports WHERE code IN (SELECT value FROM json_each(?))',
      ),
      regionsBySlugs: db.prepare(
        'SELECT slug, name, parent_slug FROM regions WHERE slug IN (SELECT value FROM json_each(?))',
      ),
      childRegions: db.prepare(
        `SELECT parent_slug AS key, slug, name, parent_slug FROM regions
          WHERE parent_slug IN (SELECT value FROM json_each(?)) ORDER BY slug`,
      ),
      portsWithin: db.prepare(
        `${REGION_TREE}
         SELECT tree.key, ports.code, ports.name, ports.region_slug
           FROM tree JOIN ports ON ports.region_slug = tree.slug ORDER BY tree.key, ports.code`,
      ),
      allPorts: db.prepare('SELECT code, name, region_slug FROM ports ORDER BY code'),
      allRegions: db.prepare('SELECT slug, name, parent_slug FROM regions ORDER BY slug'),
      portByCode: db.prepare('SELECT code, name, region_slug FROM ports WHERE code = ?'),
      regionBySlug: db.prepare('SELECT slug, name, parent_slug FROM regions WHERE slug = ?'),
      upsertRegion: db.prepare(
        `INSERT INTO regions (slug, name, parent_slug) VALUES (@slug, @name, @parent_slug)
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, parent_slug = excluded.parent_slug`,
      ),
      upsertPort: db.prepare(
        `INSERT INTO ports (code, name, region_slug) VALUES (@code, @name, @region_slug)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region_slug = excluded.region_slug`,
      ),
      counts: db.prepare('SELECT (SELECT count(*) FROM regions) AS regions, (SELECT count(*) FROM ports) AS ports'),
      acquireLease: db.prepare(
        `INSERT INTO replication_leases (replica_id, holder, expires_at) VALUES (@replicaId, @holder, @expiresAt)
         ON CONFLICT (replica_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE replication_leases.holder IN (excluded.holder, @replacing) OR replication_leases.expires_at <= @now`,
      ),
      leaseHolder: db.prepare('SELECT holder FROM replication_leases WHERE replica_id = ?'),
      releaseLease: db.prepare('DELETE FROM replication_leases WHERE replica_id = ? AND holder = ?'),
    };
  }

  /**
   * Opens (creating if needed) `operational.sqlite` under `dataDir` and brings its schema up to date.
   * `changeFeedPollMs`: how often a waiting change-feed reader looks for writes by other processes.
   */
  static open(dataDir: string, changeFeedPollMs = 50): SqliteOperationalStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new BetterSqlite3(path.join(dataDir, 'operational.sqlite'));
    db.pragma('journal_mode = WAL');
    // FULL: an acknowledged write survives power loss, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrateOperationalSchema(db);
    return guardStore(new SqliteOperationalStore(db, changeFeedPollMs), 'operational', isSqliteUnavailable, [
      'changeFeed',
    ]);
  }

  checkAvailable(): Promise<void> {
    return answer(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]> {
    return answer(() => {
      const found = new Map(this.statements.portsByCodes.all(JSON.stringify(codes)).map((r) => [r.code, toPort(r)]));
      return codes.map((c) => found.get(c));
    });
  }

  regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]> {
    return answer(() => {
      const found = new Map(
        this.statements.regionsBySlugs.all(JSON.stringify(slugs)).map((r) => [r.slug, toRegion(r)]),
      );
      return slugs.map((s) => found.get(s));
    });
  }

  childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]> {
    return answer(() =>
      groupByKey(parentSlugs, this.statements.childRegions.all(JSON.stringify(parentSlugs)), toRegion),
    );
  }

  portsWithinRegions(slugs: readonly string[]): Promise<Port[][]> {
    return answer(() => groupByKey(slugs, this.statements.portsWithin.all(JSON.stringify(slugs)), toPort));
  }

  allPorts(): Promise<Port[]> {
    return answer(() => this.statements.allPorts.all().map(toPort));
  }

  allRegions(): Promise<Region[]> {
    return answer(() => this.statements.allRegions.all().map(toRegion));
  }

  resolveLocation(id: string): Promise<ResolvedLocation | undefined> {
    return answer((): ResolvedLocation | undefined => {
      if (this.statements.portByCode.get(id)) return { kind: 'port', id, portCodes: [id] };
      if (!this.statements.regionBySlug.get(id)) return undefined;
      const ports = this.statements.portsWithin.all(JSON.stringify([id]));
      return { kind: 'region', id, portCodes: ports.map((p) => p.code) };
    });
  }

  upsertReferenceData(data: ReferenceData): Promise<ReferenceDataCounts> {
    return answer(() => {
      this.db.transaction(() => {
        // Parents first would need a topological sort; deferring the foreign keys to commit is simpler.
        this.db.pragma('defer_foreign_keys = ON');
        for (const r of data.regions) {
          this.statements.upsertRegion.run({ slug: r.slug, name: r.name, parent_slug: r.parentSlug });
        }
        for (const p of data.ports) {
          this.statements.upsertPort.run({ code: p.code, name: p.name, region_slug: p.regionSlug });
        }
      })();
      return this.countReferenceData();
    });
  }

  referenceDataCounts(): Promise<ReferenceDataCounts> {
    return answer(() => this.countReferenceData());
  }

  recordBatch(batch: NewBatch): Promise<RecordBatchOutcome> {
    return answer(() => this.batches.record(batch));
  }

  batchesByIds(ids: readonly string[]): Promise<(Batch | undefined)[]> {
    return answer(() => this.batches.byIds(ids));
  }

  batchByIdempotencyKey(key: string): Promise<Batch | undefined> {
    return answer(() => this.batches.byIdempotencyKey(key));
  }

  listBatches(first: number, after: BatchCursor | undefined): Promise<BatchPage> {
    return answer(() => this.batches.list(first, after));
  }

  retractBatch(id: string, at: Date): Promise<Batch | undefined> {
    return answer(() => this.batches.retract(id, at));
  }

  pricesOfBatch(batchId: string, afterItemIndex: number, limit: number): Promise<PriceRecord[]> {
    return answer(() => this.batches.pricesOf(batchId, afterItemIndex, limit));
  }

  markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void> {
    return answer(() => this.batches.markReplicated(changes, at));
  }

  openBatch(batch: NewOpenBatch): Promise<RecordBatchOutcome> {
    return answer(() => this.chunked.open(batch));
  }

  appendBatchChunk(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined> {
    return answer(() => this.chunked.append(batchId, chunk, maxItems));
  }

  commitBatch(batchId: string): Promise<CommitBatchOutcome | undefined> {
    return answer(() => this.chunked.commit(batchId));
  }

  endOpenBatch(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined> {
    return answer(() => this.chunked.endOpen(batchId, status));
  }

  expireOpenBatches(now: Date): Promise<string[]> {
    return answer(() => this.chunked.expire(now));
  }

  claimBatchWork(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined> {
    return answer(() => this.chunked.claim(holder, ttlMs, now));
  }

  chunkToProcess(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined> {
    return answer(() => this.chunked.chunkToProcess(batchId, chunkIndex));
  }

  recordChunkOutcome(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean> {
    return answer(() => this.chunked.recordChunkOutcome(batchId, holder, outcome, leaseUntil));
  }

  settleBatchWork(
    batchId: string,
    holder: string,
    status: 'ACCEPTED' | 'REJECTED',
    at: Date,
  ): Promise<Batch | undefined> {
    return answer(() => this.chunked.settle(batchId, holder, status, at));
  }

  releaseBatchWork(batchId: string, holder: string): Promise<void> {
    return answer(() => this.chunked.release(batchId, holder));
  }

  exchangeRatesFor(provider: ExchangeRateProviderName, pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]> {
    return answer(() => this.exchangeRates.ratesFor(provider, pairs));
  }

  saveExchangeRates(
    provider: ExchangeRateProviderName,
    rates: readonly DailyUsdRate[],
    source: string,
  ): Promise<number> {
    return answer(() => this.exchangeRates.save(provider, rates, source));
  }

  exchangeRateCoverage(provider: ExchangeRateProviderName): Promise<CurrencyCoverage[]> {
    return answer(() => this.exchangeRates.coverage(provider));
  }

  hasExchangeRatesFrom(provider: ExchangeRateProviderName, source: string): Promise<boolean> {
    return answer(() => this.exchangeRates.hasSource(provider, source));
  }

  acquireReplicationLease(
    replicaId: string,
    holder: string,
    ttlMs: number,
    now: Date,
    replacing?: string,
  ): Promise<boolean> {
    const expiresAt = now.getTime() + ttlMs;
    return answer(
      () =>
        this.statements.acquireLease.run({
          replicaId,
          holder,
          expiresAt,
          now: now.getTime(),
          replacing: replacing ?? null,
        }).changes === 1,
    );
  }

  replicationLeaseHolder(replicaId: string): Promise<string | undefined> {
    return answer(() => this.statements.leaseHolder.get(replicaId)?.holder);
  }

  releaseReplicationLease(replicaId: string, holder: string): Promise<void> {
    return answer(() => {
      this.statements.releaseLease.run(replicaId, holder);
    });
  }

  close(): Promise<void> {
    return answer(() => {
      this.db.close();
    });
  }

  private countReferenceData(): ReferenceDataCounts {
    return this.statements.counts.get() ?? { regions: 0, ports: 0 };
  }
}
