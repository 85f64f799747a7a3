/**
 * Retention and the snapshot commands under SIGKILL, on the compiled service: the embedded node is
 * killed at random moments while its retention job removes prices, and an export is killed midway.
 * Afterwards nothing is lost or counted twice (analytics count every price submitted, once), the
 * operational store holds no half-removed batch once the job has run again, a killed export leaves no
 * file that looks whole and no lease that blocks the node, and a replica imported from a complete
 * export answers as the exported one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { seededRandom } from '../../../scripts/seeded-random';
import { eventually } from '../../helpers/eventually';
import { ENTRY_POINTS, freePort, graphqlOnPort, processScope, type StartedProcess } from '../../helpers/processes';

const SEED = Number(process.env.CRASH_TEST_SEED ?? Date.now() % 100_000);
const KILLS = 6;
const BATCH_PRICES = 2_000;

const processes = processScope();

function nodeEnv(dataDir: string, node: string, port: number): NodeJS.ProcessEnv {
  return {
    DATA_DIR: dataDir,
    ANALYTICS_DATA_DIR: path.join(dataDir, `analytics-${node}`),
    PORT: String(port),
    LOG_LEVEL: 'info',
    OPERATIONAL_RETENTION: '1s',
    REPLICATION_FLUSH_INTERVAL_MS: '30',
  };
}

const graphql = graphqlOnPort;

async function submitBatch(port: number, key: string, base: number): Promise<void> {
  const items = Array.from({ length: BATCH_PRICES }, (_, i) => ({
    originCode: 'CNSGH',
    destinationCode: 'NLRTM',
    day: new Date(Date.UTC(2024, 0, 1 + (i % 60))).toISOString().slice(0, 10),
    price: base + (i % 50),
  }));
  await graphql(
    port,
    `
      mutation ($input: SubmitPriceBatchInput!) {
        submitPriceBatch(input: $input) {
          id
        }
      }
    `,
    {
      input: { idempotencyKey: key, items },
    },
  );
}

/** Per lane-day count and sum of 2024's prices as the node's `rates` answers them. */
async function counted2024(port: number): Promise<{ prices: number; days: string }> {
  const data = await graphql<{ rates: { day: string; priceCount: number; averagePrice: number | null }[] }>(
    port,
    `
      {
        rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2024-01-01", dateTo: "2024-03-31", minPrices: 1) {
          day
          priceCount
          averagePrice
        }
      }
    `,
  );
  return {
    prices: data.rates.reduce((sum, d) => sum + d.priceCount, 0),
    days: data.rates.map((d) => `${d.day}:${d.priceCount}:${d.averagePrice}`).join(' '),
  };
}

interface StoreState {
  readonly prices: number;
  /** Batches retention marked whose prices are neither all there nor all gone. */
  readonly halfRemoved: number;
  readonly integrity: string;
}

function storeState(dataDir: string): StoreState {
  const db = new BetterSqlite3(path.join(dataDir, 'operational.sqlite'), { readonly: true });
  try {
    const prices = db.prepare('SELECT count(*) FROM prices').pluck().get() as number;
    const halfRemoved = db
      .prepare(
        `SELECT count(*) FROM batches b WHERE b.pruning_since IS NOT NULL
            AND (SELECT count(*) FROM prices p WHERE p.batch_id = b.id) NOT IN (0, b.accepted_count)`,
      )
      .pluck()
      .get() as number;
    return { prices, halfRemoved, integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

async function untilRetentionIsDone(port: number, dataDir: string, expected: number): Promise<void> {
  await eventually(
    () => counted2024(port),
    (c) => c.prices === expected,
    { what: 'analytics to count every price' },
  );
  await eventually(
    () => storeState(dataDir),
    (s) => s.prices === 0 && s.halfRemoved === 0,
    {
      what: 'retention to remove every counted price',
    },
  );
}

it(`removes prices crash-safely across ${KILLS} SIGKILLs (seed ${SEED}), counting every price once`, async () => {
  const random = seededRandom(SEED);
  const dataDir = processes.dataDir();
  const port = await freePort();
  let node: StartedProcess = await processes.startService(nodeEnv(dataDir, 'a', port));
  let submitted = 0;
  for (let kill = 0; kill < KILLS; kill += 1) {
    for (let b = 0; b < 8; b += 1) {
      await submitBatch(port, `kill-${kill}-batch-${b}`, 1000 + kill);
      submitted += BATCH_PRICES;
    }
    // Into the seconds where the replicator counts these batches and the job (every second) removes them.
    await sleep(800 + Math.floor(random() * 2_200));
    node.child.kill('SIGKILL');
    await node.exited;
    expect(storeState(dataDir).integrity).toBe('ok');
    node = await processes.startService(nodeEnv(dataDir, 'a', port));
  }
  await untilRetentionIsDone(port, dataDir, submitted);
  const reference = await graphql<{ rates: { priceCount: number }[] }>(
    port,
    `
      {
        rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-31") {
          priceCount
        }
      }
    `,
  );
  expect(reference.rates.reduce((sum, d) => sum + d.priceCount, 0)).toBeGreaterThan(0);
});

it('survives an export killed midway, then bootstraps a new node from a complete export', async () => {
  const random = seededRandom(SEED + 1);
  const dataDir = processes.dataDir();
  const port = await freePort();
  let a = await processes.startService(nodeEnv(dataDir, 'a', port));
  for (let b = 0; b < 5; b += 1) await submitBatch(port, `export-batch-${b}`, 2000 + b);
  await untilRetentionIsDone(port, dataDir, 5 * BATCH_PRICES);
  const before = await counted2024(port);
  a.child.kill('SIGTERM');
  await a.exited;

  const file = path.join(dataDir, 'a.snapshot');
  const exporting = processes.start(ENTRY_POINTS.analyticsExport, nodeEnv(dataDir, 'a', port), { args: [file] });
  await sleep(200 + Math.floor(random() * 1_500));
  exporting.child.kill('SIGKILL');
  const exitCode = await exporting.exited;
  // Killed (null) or finished first (0): a file under the final name is only ever a complete one.
  expect([null, 0]).toContain(exitCode);
  if (exitCode === null) expect(fs.existsSync(file)).toBe(false);

  // The node takes the dead export's lease over at once and serves as before.
  a = await processes.startService(nodeEnv(dataDir, 'a', port));
  expect(await counted2024(port)).toEqual(before);
  a.child.kill('SIGTERM');
  await a.exited;

  const exported = processes.start(ENTRY_POINTS.analyticsExport, nodeEnv(dataDir, 'a', port), { args: [file] });
  expect(await exported.exited).toBe(0);
  const portB = await freePort();
  const imported = processes.start(ENTRY_POINTS.analyticsImport, nodeEnv(dataDir, 'b', portB), { args: [file] });
  expect(await imported.exited).toBe(0);
  // The reference dataset's 53,056 prices and the five batches: the history the store no longer holds.
  expect(imported.output()).toContain(`imported ${53_056 + 5 * BATCH_PRICES} prices`);

  await processes.startService(nodeEnv(dataDir, 'b', portB));
  expect(await counted2024(portB)).toEqual(before);
  expect(before.prices).toBe(5 * BATCH_PRICES);
});
