import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { projectRoot } from '../../src/paths/project-root';
import { positiveIntegerFromEnv, type BenchContext, type BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { formatCount, formatSeconds, type BenchRow } from './stats';

/**
 * Operational store and analytics sizes after the same ingest run with retention off and with a short
 * retention (`OPERATIONAL_RETENTION=5s`): each run starts a fresh embedded service as a child process
 * on a data dir of its own (chDB allows one directory per process, and the bench's own service holds
 * one), loads the reference dataset, submits BENCH_RETENTION_BATCHES batches of
 * BENCH_RETENTION_BATCH_PRICES prices, waits until analytics count them (and, with retention, until the
 * job has removed every counted price), stops the service and measures its files.
 *
 * Environment: BENCH_RETENTION_BATCHES (20), BENCH_RETENTION_BATCH_PRICES (10,000).
 */

const RETENTION = '5s';
const TIMEOUT_MS = 5 * 60_000;
const MIB = 1024 * 1024;

interface RunSizes {
  readonly operationalPrices: number;
  readonly operationalUsedBytes: number;
  readonly operationalFileBytes: number;
  readonly analyticsBytes: number;
  readonly analyticsPrices: number;
  readonly seconds: number;
}

/** Bytes of every file under `dir`. */
function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : fs.statSync(full).size;
  }
  return total;
}

/** What the stopped service's SQLite file holds: prices, pages in use (without the free list), file size. */
function operationalSizes(
  dataDir: string,
): Pick<RunSizes, 'operationalPrices' | 'operationalUsedBytes' | 'operationalFileBytes'> {
  const file = path.join(dataDir, 'operational.sqlite');
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const prices = db.prepare('SELECT count(*) FROM prices').pluck().get() as number;
    return {
      operationalPrices: prices,
      operationalUsedBytes: (pages - free) * pageSize,
      operationalFileBytes: fs.statSync(file).size,
    };
  } finally {
    db.close();
  }
}

async function startChild(dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(projectRoot(), 'dist', 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the retention bench's service exited with ${code} before serving`)));
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'Rateline is serving' && entry.url) resolve(entry.url);
    });
  });
  return { child, url };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`retention bench: timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function ingestRun(context: BenchContext, retention: string | undefined): Promise<RunSizes> {
  const batches = positiveIntegerFromEnv('BENCH_RETENTION_BATCHES', 20);
  const perBatch = positiveIntegerFromEnv('BENCH_RETENTION_BATCH_PRICES', 10_000);
  const dataDir = path.join(path.dirname(context.config.dataDir), `bench-retention-${retention ?? 'off'}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const started = performance.now();
  const { child, url } = await startChild(dataDir, {
    SEED_ON_EMPTY_STORE: 'true',
    ...(retention ? { OPERATIONAL_RETENTION: retention } : {}),
  });
  try {
    const client = new BenchGraphqlClient(`${url}/graphql`, 'none');
    const ids: string[] = [];
    for (let b = 0; b < batches; b += 1) {
      const items = Array.from({ length: perBatch }, (_, i) => ({
        originCode: 'CNSGH',
        destinationCode: 'NLRTM',
        day: new Date(Date.UTC(2023, 0, 1 + ((b * perBatch + i) % 365))).toISOString().slice(0, 10),
        price: 1000 + ((b * 31 + i) % 900),
      }));
      const answer = await client.post(
        JSON.stringify({
          query: 'mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id } }',
          variables: { input: { idempotencyKey: `bench-retention-${b}`, items } },
        }),
      );
      const id = (answer.json as { data?: { submitPriceBatch?: { id: string } } }).data?.submitPriceBatch?.id;
      if (!id) throw new Error(`retention bench: a batch failed: ${JSON.stringify(answer.json)}`);
      ids.push(id);
    }
    const analyticsPrices = async (): Promise<number> => {
      const answer = await client.post(
        JSON.stringify({
          query:
            '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2023-01-01", dateTo: "2023-12-31") { priceCount } }',
        }),
      );
      const days = (answer.json as { data?: { rates?: { priceCount: number }[] } }).data?.rates ?? [];
      return days.reduce((sum, day) => sum + day.priceCount, 0);
    };
    await until('analytics to count every batch', async () => (await analyticsPrices()) === batches * perBatch);
    if (retention) {
      // Until the job has removed every counted price (the reference dataset's among them).
      await until('retention to remove every counted price', () => operationalSizes(dataDir).operationalPrices === 0);
    }
    const counted = await analyticsPrices();
    context.progress(`retention ${retention ?? 'off'}: ${formatCount(counted)} prices counted in 2023`);
    await stopChild(child);
    return {
      ...operationalSizes(dataDir),
      analyticsBytes: directoryBytes(path.join(dataDir, 'analytics')),
      analyticsPrices: counted,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (child.exitCode === null) await stopChild(child);
  }
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function row(label: string, sizes: RunSizes): BenchRow {
  return {
    name: `retention: ${label}`,
    cells: new Map([
      ['operational prices', formatCount(sizes.operationalPrices)],
      ['operational used', mib(sizes.operationalUsedBytes)],
      ['operational file', mib(sizes.operationalFileBytes)],
      ['analytics dir', mib(sizes.analyticsBytes)],
      ['counted in analytics', formatCount(sizes.analyticsPrices)],
      ['run', formatSeconds(sizes.seconds)],
    ]),
  };
}

export const retentionSection: BenchSection = {
  name: 'retention',
  async run(context) {
    const off = await ingestRun(context, undefined);
    const short = await ingestRun(context, RETENTION);
    return [row('off', off), row(`OPERATIONAL_RETENTION=${RETENTION}`, short)];
  },
};
