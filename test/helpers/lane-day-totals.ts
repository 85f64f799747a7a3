/**
 * The oracle of the exactly-once tests: count and sum of prices per lane and day, read straight from the
 * embedded operational store's file (every batch not retracted), to compare with what analytics hold.
 */
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';

export interface LaneDayTotal {
  /** `ORIGIN>DESTINATION@epochDay` */
  lane: string;
  count: number;
  cents: number;
}

export function operationalLaneDayTotals(dataDir: string): LaneDayTotal[] {
  const db = new BetterSqlite3(path.join(dataDir, 'operational.sqlite'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT p.origin_code || '>' || p.destination_code || '@' || p.day AS lane, count(*) AS count,
                sum(p.usd_cents) AS cents
           FROM prices p JOIN batches b ON b.id = p.batch_id
          WHERE b.status <> 'RETRACTED'
          GROUP BY lane ORDER BY lane`,
      )
      .all() as LaneDayTotal[];
  } finally {
    db.close();
  }
}
