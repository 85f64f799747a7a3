import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { clickHouseStoreOptions, startRateline, type RunningRateline } from '../../src/app/rateline';
import { generateApiKey, hashApiKey } from '../../src/auth';
import { loadConfig } from '../../src/config';
import { projectRoot } from '../../src/paths/project-root';
import { readReferenceDataset } from '../../src/reference-data';
import { createClickHouseClient } from '../../src/stores/analytics/clickhouse/client';
import { positiveIntegerFromEnv, type BenchContext, type BenchSection } from './context';
import { analysisLatencySection } from './analysis-latency';
import { chunkedIngestSection } from './chunked-ingest';
import { concurrentWritesSection } from './concurrent-writes';
import { dailyTotalsLatencySection } from './daily-totals-latency';
import { fileUploadSection } from './file-upload';
import { ingestSection } from './ingest';
import { hotReadsSection } from './hot-reads';
import { ratesLatencySection } from './rates-latency';
import { retentionSection } from './retention';
import { formatCount, formatSeconds, formatTable, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, describeSyntheticPrices, ensureSyntheticPrices } from './synthetic-prices';

/**
 * `npm run bench`: fills a bench data dir with synthetic prices (once), starts the real service in this
 * process on it, runs every section and prints one markdown table on stdout; progress goes to stderr.
 *
 * Environment: BENCH_PRICES (10,000,000), BENCH_DATA_DIR (./data/bench), BENCH_ITERATIONS (200),
 * BENCH_WARMUP (20), BENCH_INGEST_BATCHES (24, see ingest.ts), BENCH_CHUNKED_PRICES and BENCH_CHUNK_PRICES
 * (see chunked-ingest.ts), BENCH_UPLOAD_LINES (see file-upload.ts), BENCH_RETENTION_BATCHES and
 * BENCH_RETENTION_BATCH_PRICES (see retention.ts), BENCH_SECTIONS (all; a
 * comma-separated list of section names such as `ingest`, to run or profile only those). Other Rateline
 * variables (CLICKHOUSE_URL, limits…) pass through to the config.
 */

/** The table's sections, in order. */
const SECTIONS: readonly BenchSection[] = [
  ratesLatencySection,
  dailyTotalsLatencySection,
  analysisLatencySection,
  ingestSection,
  chunkedIngestSection,
  concurrentWritesSection,
  fileUploadSection,
  hotReadsSection,
  retentionSection,
];

function selectedSections(): readonly BenchSection[] {
  const wanted = (process.env.BENCH_SECTIONS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (wanted.length === 0) return SECTIONS;
  const unknown = wanted.filter((name) => !SECTIONS.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SECTIONS names no section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
  }
  return SECTIONS.filter((section) => wanted.includes(section.name));
}

const started = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  return `${cpus.length} cores (${model}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.arch()}`;
}

async function main(): Promise<void> {
  const prices = positiveIntegerFromEnv('BENCH_PRICES', 10_000_000);
  const iterations = positiveIntegerFromEnv('BENCH_ITERATIONS', 200);
  const warmup = positiveIntegerFromEnv('BENCH_WARMUP', 20);
  const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? path.join(projectRoot(), 'data', 'bench'));
  // The service runs as in production: with an API key (NODE_ENV=production, set by `npm run bench`,
  // refuses to run open), so the measured path includes authentication.
  const apiKey = generateApiKey();
  const environment = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    SEED_ON_EMPTY_STORE: 'false',
    LOG_LEVEL: 'warn',
    API_KEYS: `bench:read+ingest:${hashApiKey(apiKey).toString('hex')}`,
    // One key asks as fast as it can: the limiter's cost is measured, its refusals would not be.
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_CONCURRENT_REQUESTS: '100000',
    // The sections time the engine's path; hot-reads restarts the service with the cache on and off.
    ANSWER_CACHE: 'off',
  };
  const config = loadConfig(environment);
  // The service's own logs go to stderr so that stdout carries only the table.
  const log = pino({ level: config.logLevel, base: { service: 'rateline' } }, pino.destination({ fd: 2, sync: true }));

  progress(`bench data dir ${dataDir}; starting Rateline (${config.clickhouse.url ?? 'embedded chDB'})`);
  let running: RunningRateline = await startRateline(config, log);
  const direct = createClickHouseClient(clickHouseStoreOptions(config.clickhouse).engine);
  try {
    const dataset = readReferenceDataset();
    const counts = await running.stores.operational.referenceData.upsert(dataset);
    progress(`reference data: ${counts.regions} regions, ${counts.ports} ports; service at ${running.url}/graphql`);

    const synthetic = await ensureSyntheticPrices(
      direct,
      config.clickhouse.database,
      dataset,
      { ...DEFAULT_SYNTHETIC_OPTIONS, prices },
      progress,
    );
    await describeSyntheticPrices(direct, config.clickhouse.database, synthetic, progress);

    const context: BenchContext = {
      config,
      get running() {
        return running;
      },
      async restartService(overrides) {
        await running.close();
        running = await startRateline(loadConfig({ ...environment, ...overrides }), log);
        progress(`service restarted with ${JSON.stringify(overrides)} at ${running.url}/graphql`);
      },
      direct,
      apiKey,
      iterations,
      warmup,
      progress,
    };
    const rows: BenchRow[] = [];
    for (const section of selectedSections()) {
      progress(`section: ${section.name}`);
      rows.push(...(await section.run(context)));
    }

    const generation = synthetic.generated ? `generated in ${formatSeconds(synthetic.seconds)}` : 'reused';
    process.stdout.write(
      `Rateline bench: ${formatCount(synthetic.prices)} synthetic prices (${synthetic.lanes} lanes × ${synthetic.days} days, ` +
        `${generation}), ${config.clickhouse.url ? 'ClickHouse server' : 'embedded chDB'}; ${machine()}; ` +
        `node ${process.version}; ${new Date().toISOString()}; ${warmup} warm-up + ${iterations} timed runs per case\n\n` +
        `${formatTable(rows)}\n`,
    );
  } finally {
    await direct.close();
    await running.close();
  }
  progress('done');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
