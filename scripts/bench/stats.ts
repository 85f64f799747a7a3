/**
 * Numbers and the one table `npm run bench` prints. Every section returns {@link BenchRow}s; the table's
 * columns are the union of the rows' cells in first-seen order, so a section measuring something else
 * (ingest throughput, replication lag) adds its own columns and leaves the others' cells empty.
 */

/** One line of the benchmark table: a case name and its cells by column header. */
export interface BenchRow {
  readonly name: string;
  readonly cells: ReadonlyMap<string, string>;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The q-quantile (0..1) of ascending `sorted`, interpolating linearly between the two nearest ranks
 * (the "type 7" estimator of R and NumPy's default).
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  if (q < 0 || q > 1) throw new Error(`quantile ${q} outside 0..1`);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (position - below);
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Milliseconds with two decimals (sub-millisecond latencies stay readable). */
export const formatMs = (ms: number): string => ms.toFixed(2);

/** The cells n, p50, p95, p99 and max of a latency row. */
export const percentileCells = (s: LatencySummary): [string, string][] => [
  ['n', s.samples.toLocaleString('en-US')],
  ['p50', formatMs(s.p50)],
  ['p95', formatMs(s.p95)],
  ['p99', formatMs(s.p99)],
  ['max', formatMs(s.max)],
];

export const formatRatio = (ratio: number): string => `${ratio.toFixed(2)}×`;

export const formatCount = (n: number): string => n.toLocaleString('en-US');

export const formatSeconds = (seconds: number): string => `${seconds.toFixed(1)} s`;

/** The "met" cell beside a brief's target: shouting when it is missed, so it is seen in a wide table. */
export const formatMet = (met: boolean): string => (met ? 'yes' : 'NO');

/** Columns that go last whichever section brings them first: a row's verdict against the brief. */
const TRAILING_COLUMNS: readonly string[] = ['target', 'met'];

/** A markdown table of the rows; columns padded so it also reads well in a terminal. */
export function formatTable(rows: readonly BenchRow[]): string {
  const headers = ['case'];
  for (const row of rows) for (const column of row.cells.keys()) if (!headers.includes(column)) headers.push(column);
  for (const column of TRAILING_COLUMNS) {
    const at = headers.indexOf(column);
    if (at > 0) headers.push(...headers.splice(at, 1));
  }
  const body = rows.map((row) => [row.name, ...headers.slice(1).map((column) => row.cells.get(column) ?? '–')]);
  const widths = headers.map((header, i) => Math.max(header.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...body.map(line)].join('\n');
}
