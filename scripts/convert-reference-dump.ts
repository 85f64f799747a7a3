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
import { projectRoot } from '../src/reference-data/dataset';

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

function writeTsv(file: string, header: readonly string[], rows: readonly Row[]): void {
  fs.writeFileSync(file, [header, ...rows].map((r) => r.join('\t')).join('\n') + '\n');
}

function main(dumpPath: string): void {
  const lines = fs.readFileSync(dumpPath, 'utf8').split('\n');
  const sections = copySections(lines);
  const prices = applyTrailingStatements(lines, sections.get('prices') ?? []);
  const outDir = path.join(projectRoot(), 'reference');
  writeTsv(path.join(outDir, 'regions.tsv'), ['slug', 'name', 'parent_slug'], sections.get('regions') ?? []);
  writeTsv(path.join(outDir, 'ports.tsv'), ['code', 'name', 'region_slug'], sections.get('ports') ?? []);
  writeTsv(path.join(outDir, 'prices.tsv'), ['origin_code', 'destination_code', 'day', 'price_usd'], prices);
  console.log(`wrote ${outDir}: ${sections.get('regions')?.length} regions, ${sections.get('ports')?.length} ports, ${prices.length} prices`);
}

const [dump] = process.argv.slice(2);
if (!dump) {
  console.error('usage: convert-reference-dump DUMP.sql');
  process.exit(2);
}
main(dump);
