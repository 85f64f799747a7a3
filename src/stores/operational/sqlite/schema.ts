import type { Database } from 'better-sqlite3';

/**
 * Versioned schema of the embedded operational store. Each step runs in one transaction together
 * with the bump of `PRAGMA user_version`, so a crash leaves the file at a whole version; steps are
 * only ever appended.
 */
const migrations: readonly string[] = [
  `CREATE TABLE regions (
     slug        TEXT PRIMARY KEY,
     name        TEXT NOT NULL,
     parent_slug TEXT REFERENCES regions(slug)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX regions_by_parent ON regions(parent_slug);
   CREATE TABLE ports (
     code        TEXT PRIMARY KEY,
     name        TEXT NOT NULL,
     region_slug TEXT NOT NULL REFERENCES regions(slug)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX ports_by_region ON ports(region_slug);`,
];

export function migrateOperationalSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  migrations.slice(current).forEach((sql, offset) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${current + offset + 1}`);
    })();
  });
}
