/**
 * Converts the reference PostgreSQL dump (shared/data/rates.sql) into the project's own copy under
 * reference/. Run once by hand when the dump changes: `node dist/scripts/convert-reference-dump.js DUMP`.
 *
 * The dataset is what PostgreSQL holds after running the whole file, so the statements after the COPY
 * sections (a DELETE of whole days and an INSERT) are applied too; any other data statement stops the
 * conversion rather than being silently ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths/project-root';

type Row = string[];

function copySections(lines: readonly string[]): Map<string, Row[]> {
  const sections = new Map<string, Row[]>();
  for (let i = 0; i < lines.length; i++) {
    const header = /^COPY (\w+) \(([^)]*)\) FROM stdin;$/.exec(lines[i] ?? '');
    if (!header?.[1]) continue;
    const rows: Row[] = [];
    for (i++; lines[i] !== '\\.'; i++) rows.push((lines[i] ?? '').split('\t').map((v) => (v === '\\N' ? '' : v)));
    sections.set(header[1], rows);
  }
  return sections;
}

function applyTrailingStatements(lines: readonly string[], prices: Row[]): Row[] {
  let result = prices;
  for (const line of lines) {
    if (!/^\s*(INSERT|UPDATE|DELETE)\b/i.test(line)) continue;
    const deleteDay = /^DELETE FROM prices WHERE day = date'(\d{4}-\d{2}-\d{2})';$/.exec(line);
    const insert = /^INSERT INTO prices VALUES \('(\w+)', '(\w+)', date'(\d{4}-\d{2}-\d{2})', (\d+)\);$/.exec(line);
    if (deleteDay?.[1]) {
      const day = deleteDay[1];
      result = result.filter((row) => row[2] !== day);
    } else if (insert) {
      result = [...result, insert.slice(1, 5)];
    } else {
      throw new Error(`Unsupported data statement in dump: ${line}`);
    }
  }
  return result;
}

function tsv(header: readonly string[], rows: readonly Row[]): string {
  return [header, ...rows].map((r) => r.join('\t')).join('\n') + '\n';
}

/** The project's files (name → content) for a dump's text. */
export function convertDump(dumpText: string): Record<'regions.tsv' | 'ports.tsv' | 'prices.tsv', string> {
  const lines = dumpText.split('\n');
  const sections = copySections(lines);
  return {
    'regions.tsv': tsv(['slug', 'name', 'parent_slug'], sections.get('regions') ?? []),
    'ports.tsv': tsv(['code', 'name', 'region_slug'], sections.get('ports') ?? []),
    'prices.tsv': tsv(
      ['origin_code', 'destination_code', 'day', 'price_usd'],
      applyTrailingStatements(lines, sections.get('prices') ?? []),
    ),
  };
}

if (require.main === module) {
  const [dump] = process.argv.slice(2);
  if (!dump) {
    console.error('usage: node dist/scripts/convert-reference-dump.js DUMP.sql');
    process.exit(2);
  }
  const outDir = path.join(projectRoot(), 'reference');
  for (const [name, content] of Object.entries(convertDump(fs.readFileSync(dump, 'utf8')))) {
    fs.writeFileSync(path.join(outDir, name), content);
  }
  console.log(`wrote ${outDir}`);
}
