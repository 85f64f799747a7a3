import { dropPartStatement, livePartsQuery, partsWithoutTotalsQuery, type PartNameRow } from './sql';

/** What {@link dropEmptiedParts} needs of a connection: AnalyticsDatabase has it, a bare client is wrapped. */
export interface PartsConnection {
  select<Row>(query: string, params?: Record<string, unknown>): Promise<Row[]>;
  command(params: { readonly query: string }): Promise<void>;
}

/**
 * Drops the parts of `prices` whose every row a retraction deleted. Rebuilding a part's daily totals
 * (`projection`, the one the schema has at that version) from no rows leaves
 * it without them, and ClickHouse never merges parts whose projections differ ("Parts have different
 * projection sets"), so such a part would stay for good and split the merges around it. It holds no
 * row that counts, so dropping it changes no answer; that no row counts is checked first, so a part is
 * never dropped on the strength of its projection alone.
 */
export async function dropEmptiedParts(
  connection: PartsConnection,
  database: string,
  projection: string,
): Promise<void> {
  const candidates = (await connection.select<PartNameRow>(partsWithoutTotalsQuery, { db: database, projection })).map(
    (p) => p.name,
  );
  if (candidates.length === 0) return;
  const live = new Set(
    (await connection.select<PartNameRow>(livePartsQuery(database), { parts: candidates })).map((p) => p.name),
  );
  for (const part of candidates.filter((name) => !live.has(name))) {
    await connection.command({ query: dropPartStatement(database, part) });
  }
}
