import type { Database, Statement } from 'better-sqlite3';
import type { Port, Region } from '../../../domain/model';
import type { ReferenceData, ReferenceDataCounts, ReferenceDataStore } from '../ports';
import { promised } from './promised';
import type { SqliteWriteQueue } from './write-queue';

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
type Keyed<Row> = Row & { key: string };

const toPort = (row: PortRow): Port => ({ code: row.code, name: row.name, regionSlug: row.region_slug });
const toRegion = (row: RegionRow): Region => ({ slug: row.slug, name: row.name, parentSlug: row.parent_slug });

/** Groups rows by `key` into one list per requested key, in the order the keys were asked for. */
function groupByKey<Row extends { key: string }, T>(keys: readonly string[], rows: Row[], map: (row: Row) => T): T[][] {
  const grouped = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) grouped.get(row.key)?.push(map(row));
  return keys.map((k) => grouped.get(k) ?? []);
}

/** In the order asked, undefined for a key nothing matched. */
function inOrder<T>(keys: readonly string[], found: readonly T[], keyOf: (item: T) => string): (T | undefined)[] {
  const byKey = new Map(found.map((item) => [keyOf(item), item]));
  return keys.map((key) => byKey.get(key));
}

/** Regions at or below each root, recursively; UNION (not UNION ALL) stops on a cycle. */
const REGION_TREE = `
  WITH RECURSIVE tree(key, slug) AS (
    SELECT slug, slug FROM regions WHERE slug IN (SELECT value FROM json_each(?))
    UNION
    SELECT tree.key, regions.slug FROM regions JOIN tree ON regions.parent_slug = tree.slug
  )`;

/** Ports and regions on SQLite; foreign keys keep every port's region and every parent real. */
export class SqliteReferenceData implements ReferenceDataStore {
  private readonly statements: {
    portsByCodes: Statement<[string], PortRow>;
    regionsBySlugs: Statement<[string], RegionRow>;
    childRegions: Statement<[string], Keyed<RegionRow>>;
    portsWithin: Statement<[string], Keyed<PortRow>>;
    allPorts: Statement<[], PortRow>;
    allRegions: Statement<[], RegionRow>;
    upsertRegion: Statement<[RegionRow]>;
    upsertPort: Statement<[PortRow]>;
    counts: Statement<[], ReferenceDataCounts>;
    revision: Statement<[], { revision: number }>;
    nextRevision: Statement<[]>;
  };

  constructor(
    private readonly db: Database,
    private readonly writes: SqliteWriteQueue,
  ) {
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
      upsertRegion: db.prepare(
        `INSERT INTO regions (slug, name, parent_slug) VALUES (@slug, @name, @parent_slug)
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, parent_slug = excluded.parent_slug`,
      ),
      upsertPort: db.prepare(
        `INSERT INTO ports (code, name, region_slug) VALUES (@code, @name, @region_slug)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region_slug = excluded.region_slug`,
      ),
      counts: db.prepare('SELECT (SELECT count(*) FROM regions) AS regions, (SELECT count(*) FROM ports) AS ports'),
      revision: db.prepare('SELECT revision FROM reference_revision WHERE id = 1'),
      nextRevision: db.prepare('UPDATE reference_revision SET revision = revision + 1 WHERE id = 1'),
    };
  }

  portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]> {
    return promised(() =>
      inOrder(codes, this.statements.portsByCodes.all(JSON.stringify(codes)).map(toPort), (p) => p.code),
    );
  }

  regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]> {
    return promised(() =>
      inOrder(slugs, this.statements.regionsBySlugs.all(JSON.stringify(slugs)).map(toRegion), (r) => r.slug),
    );
  }

  childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]> {
    return promised(() =>
      groupByKey(parentSlugs, this.statements.childRegions.all(JSON.stringify(parentSlugs)), toRegion),
    );
  }

  portsWithinRegions(slugs: readonly string[]): Promise<Port[][]> {
    return promised(() => groupByKey(slugs, this.statements.portsWithin.all(JSON.stringify(slugs)), toPort));
  }

  allPorts(): Promise<Port[]> {
    return promised(() => this.statements.allPorts.all().map(toPort));
  }

  allRegions(): Promise<Region[]> {
    return promised(() => this.statements.allRegions.all().map(toRegion));
  }

  upsert(data: ReferenceData): Promise<ReferenceDataCounts> {
    return this.writes.run(() => {
      this.db.transaction(() => {
        // Parents first would need a topological sort; deferring the foreign keys to commit is simpler.
        this.db.pragma('defer_foreign_keys = ON');
        for (const r of data.regions) {
          this.statements.upsertRegion.run({ slug: r.slug, name: r.name, parent_slug: r.parentSlug });
        }
        for (const p of data.ports) {
          this.statements.upsertPort.run({ code: p.code, name: p.name, region_slug: p.regionSlug });
        }
        // SQLite counts an upsert that rewrote the same values as a change: every upsert moves it on.
        this.statements.nextRevision.run();
      })();
      return this.countNow();
    });
  }

  counts(): Promise<ReferenceDataCounts> {
    return promised(() => this.countNow());
  }

  revision(): Promise<number> {
    return promised(() => this.statements.revision.get()?.revision ?? 0);
  }

  private countNow(): ReferenceDataCounts {
    return this.statements.counts.get() ?? { regions: 0, ports: 0 };
  }
}
