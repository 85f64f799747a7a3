/**
 * The compiled entry point (`npm start` runs `node dist/src/main.js`) started as a real process:
 * first start on an empty data directory, second start on the same one, a bad configuration.
 * `npm test` builds before running jest.
 */
import { REFERENCE_BATCH_KEY } from '../../../src/reference-data';
import { openChdbStore, openSqliteStore, removeDataDir, temporaryDataDir } from '../../helpers/components';
import { ENTRY_POINTS, freePort, processScope, waitForOutput, type StartedProcess } from '../../helpers/processes';

const processes = processScope();
const run = (env: NodeJS.ProcessEnv, script = ENTRY_POINTS.service): StartedProcess => processes.start(script, env);

describe('node dist/src/main.js', () => {
  /** Starts the service on `dataDir`, checks it answers the example day, and returns its output so far. */
  async function serveExampleDay(dataDir: string, check: (port: number) => Promise<void>): Promise<string> {
    const port = await freePort();
    const started = await processes.startService({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
    await check(port);
    const rest = await fetch(
      `http://127.0.0.1:${port}/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=north_europe_main`,
    );
    expect(await rest.json()).toEqual([{ day: '2016-01-01', average_price: 1112 }]);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    return started.output();
  }

  // One test, not two: a next start is only a next start after a first one.
  it('loads the reference dataset on the first start and says so, serves, stops on SIGTERM with 0; the next start loads nothing', async () => {
    const dataDir = processes.dataDir();
    const first = await serveExampleDay(dataDir, async (port) => {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });
    expect(first).toMatch(/loaded the reference dataset: 20 regions, 143 ports, 53056 prices/);
    expect(first).toMatch(/NO API KEYS CONFIGURED/);
    const next = await serveExampleDay(dataDir, () => Promise.resolve());
    expect(next).not.toMatch(/loading the reference dataset/);
  });

  it('refuses to start on a bad setting, naming it, with exit code 78', async () => {
    const started = run({ DATA_DIR: processes.dataDir(), PORT: 'forty-two', MAX_QUERY_DEPTH: '1' });
    expect(await started.exited).toBe(78);
    expect(started.output()).toMatch(/PORT: .*"forty-two"/);
    expect(started.output()).toMatch(/MAX_QUERY_DEPTH/);
  });

  it('refuses to run open in production, with exit code 78', async () => {
    const started = run({ DATA_DIR: processes.dataDir(), NODE_ENV: 'production' });
    expect(await started.exited).toBe(78);
    expect(started.output()).toMatch(/NODE_ENV=production needs API keys/);
  });
});

describe('node dist/src/replicator-main.js (npm run replicator)', () => {
  it('replicates what an API without an in-process replicator recorded, then stops on SIGTERM', async () => {
    const apart = temporaryDataDir();
    try {
      const seeded = run({ DATA_DIR: apart, LOG_LEVEL: 'info', REPLICATOR_IN_PROCESS: 'false' }, ENTRY_POINTS.seed);
      expect(await seeded.exited).toBe(0);
      expect(seeded.output()).not.toMatch(/analytics are up to date/);
      const replicator = run({ DATA_DIR: apart, LOG_LEVEL: 'debug' }, ENTRY_POINTS.replicator);
      await waitForOutput(replicator, '"prices":53056');
      replicator.child.kill('SIGTERM');
      expect(await replicator.exited).toBe(0);
      const analytics = await openChdbStore(apart);
      try {
        expect(await analytics.replica.replicationCheckpoint()).toMatchObject({ position: '1' });
        expect((await analytics.replica.replicatedThrough([await referenceBatchId(apart)])).size).toBe(1);
      } finally {
        await analytics.close();
      }
    } finally {
      removeDataDir(apart);
    }
  });
});

async function referenceBatchId(dir: string): Promise<string> {
  const operational = openSqliteStore(dir);
  try {
    const batch = await operational.batches.byIdempotencyKey(null, REFERENCE_BATCH_KEY);
    if (!batch) throw new Error('the seed recorded no reference batch');
    return batch.id;
  } finally {
    await operational.close();
  }
}

describe('node dist/scripts/seed.js (npm run seed)', () => {
  it('loads the reference dataset, and changes nothing the second time', async () => {
    const seedDir = temporaryDataDir();
    try {
      const first = run({ DATA_DIR: seedDir, LOG_LEVEL: 'info' }, ENTRY_POINTS.seed);
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/"pricesLoaded":53056,"pricesPresent":53056.*reference dataset loaded/);
      expect(first.output()).toMatch(/analytics are up to date/);
      const second = run({ DATA_DIR: seedDir, LOG_LEVEL: 'info' }, ENTRY_POINTS.seed);
      expect(await second.exited).toBe(0);
      expect(second.output()).toMatch(/"pricesLoaded":0,"pricesPresent":53056.*already present; nothing changed/);
    } finally {
      removeDataDir(seedDir);
    }
  });
});
