/**
 * The compiled entry point (`npm start` runs `node dist/src/main.js`) started as a real process:
 * first start on an empty data directory, second start on the same one, a bad configuration.
 * `npm test` builds before running jest.
 */
import { REFERENCE_BATCH_KEY } from '../../src/reference-data';
import { openChdbStore, openSqliteStore, removeDataDir, temporaryDataDir } from '../helpers/components';
import {
  ENTRY_POINTS,
  freePort,
  requireBuild,
  startProcess,
  waitForOutput,
  type StartedProcess,
} from '../helpers/processes';

const run = (env: NodeJS.ProcessEnv, script = ENTRY_POINTS.service): StartedProcess => startProcess(script, env);

let dataDir: string;
beforeAll(() => {
  requireBuild();
  dataDir = temporaryDataDir();
});
afterAll(() => removeDataDir(dataDir));

describe('node dist/src/main.js', () => {
  /** Starts the service on `dataDir`, checks it answers the example day, and returns its output so far. */
  async function serveExampleDay(check: (port: number) => Promise<void>): Promise<string> {
    const port = await freePort();
    const started = run({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
    await waitForOutput(started, 'Rateline is serving');
    await check(port);
    const rest = await fetch(
      `http://127.0.0.1:${port}/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=north_europe_main`,
    );
    expect(await rest.json()).toEqual([{ day: '2016-01-01', average_price: 1112 }]);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    return started.output();
  }

  it('loads the reference dataset on the first start and says so, serves, and stops on SIGTERM with 0', async () => {
    const output = await serveExampleDay(async (port) => {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });
    expect(output).toMatch(/loaded the reference dataset: 20 regions, 143 ports, 53056 prices/);
    expect(output).toMatch(/NO API KEYS CONFIGURED/);
  });

  it('does not load anything again on the next start', async () => {
    const output = await serveExampleDay(() => Promise.resolve());
    expect(output).not.toMatch(/loading the reference dataset/);
  });

  it('refuses to start on a bad setting, naming it, with exit code 78', async () => {
    const started = run({ DATA_DIR: dataDir, PORT: 'forty-two', MAX_QUERY_DEPTH: '1' });
    expect(await started.exited).toBe(78);
    expect(started.output()).toMatch(/PORT: .*"forty-two"/);
    expect(started.output()).toMatch(/MAX_QUERY_DEPTH/);
  });

  it('refuses to run open in production, with exit code 78', async () => {
    const started = run({ DATA_DIR: dataDir, NODE_ENV: 'production' });
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
        expect(await analytics.replicationCheckpoint()).toMatchObject({ position: '1' });
        expect((await analytics.replicatedThrough([await referenceBatchId(apart)])).size).toBe(1);
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
    const batch = await operational.batches.byIdempotencyKey(REFERENCE_BATCH_KEY);
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
