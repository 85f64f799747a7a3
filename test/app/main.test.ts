/**
 * The compiled entry point (`npm start` runs `node dist/src/main.js`) started as a real process:
 * first start on an empty data directory, second start on the same one, a bad configuration.
 * `npm test` builds before running jest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/reference-data';
import { removeDataDir, temporaryDataDir } from '../helpers/components';

const entryPoint = path.join(projectRoot(), 'dist', 'src', 'main.js');
const seedScript = path.join(projectRoot(), 'dist', 'scripts', 'seed.js');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: NodeJS.ProcessEnv, script = entryPoint): Started {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLine(started: Started, text: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (Date.now() > deadline || started.child.exitCode !== null)
      throw new Error(`never saw "${text}" in:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let dataDir: string;
beforeAll(() => {
  if (!fs.existsSync(entryPoint)) throw new Error(`${entryPoint} is missing: run \`npm run build\` (npm test does)`);
  dataDir = temporaryDataDir();
});
afterAll(() => removeDataDir(dataDir));

describe('node dist/src/main.js', () => {
  /** Starts the service on `dataDir`, checks it answers the example day, and returns its output so far. */
  async function serveExampleDay(check: (port: number) => Promise<void>): Promise<string> {
    const port = await freePort();
    const started = run({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
    await waitForLine(started, 'Rateline is serving');
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
});

describe('node dist/scripts/seed.js (npm run seed)', () => {
  it('loads the reference dataset, and changes nothing the second time', async () => {
    const seedDir = temporaryDataDir();
    try {
      const first = run({ DATA_DIR: seedDir, LOG_LEVEL: 'info' }, seedScript);
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/"pricesLoaded":53056,"pricesPresent":53056.*reference dataset loaded/);
      const second = run({ DATA_DIR: seedDir, LOG_LEVEL: 'info' }, seedScript);
      expect(await second.exited).toBe(0);
      expect(second.output()).toMatch(/"pricesLoaded":0,"pricesPresent":53056.*already present; nothing changed/);
    } finally {
      removeDataDir(seedDir);
    }
  });
});
