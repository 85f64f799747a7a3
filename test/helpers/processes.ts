/**
 * Rateline's compiled entry points, and other node scripts, started as real processes. `processScope()`
 * is the preamble every process test shares: it starts them, waits for the service, hands out data
 * directories, and cleans up after each test what that test left behind, so no test finds another's
 * processes or data. The entry points come from the build (`npm run test:processes` and `npm test` build
 * first); a missing one fails with the command that makes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/paths/project-root';
import { removeDataDir, temporaryDataDir } from './components';
import { eventually } from './eventually';

const DIST = path.join(projectRoot(), 'dist');

export const ENTRY_POINTS = {
  service: path.join(DIST, 'src', 'main.js'),
  replicator: path.join(DIST, 'src', 'replicator-main.js'),
  worker: path.join(DIST, 'src', 'worker-main.js'),
  seed: path.join(DIST, 'scripts', 'seed.js'),
  healthcheck: path.join(DIST, 'scripts', 'healthcheck.js'),
  ratesImport: path.join(DIST, 'scripts', 'import-exchange-rates.js'),
  analyticsExport: path.join(DIST, 'scripts', 'analytics-export.js'),
  analyticsImport: path.join(DIST, 'scripts', 'analytics-import.js'),
};

/** A GraphQL request to the service on `port`; its data, or an error naming the errors it answered. */
export async function graphqlOnPort<Data>(
  port: number,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Data> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`GraphQL answered ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** What the service logs once it answers requests. */
const SERVING = 'Rateline is serving';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface StartedProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  readonly args?: readonly string[];
  /** Start with only `env` (and PATH), as a container would, instead of this process's environment plus `env`. */
  readonly onlyThisEnvironment?: boolean;
}

export interface ProcessScope {
  /** Starts `script` with this node. */
  start(script: string, env: NodeJS.ProcessEnv, options?: StartOptions): StartedProcess;
  /** Starts the service (`dist/src/main.js`) and answers once it says it serves. */
  startService(env: NodeJS.ProcessEnv, options?: StartOptions): Promise<StartedProcess>;
  /** A fresh temporary data directory. */
  dataDir(): string;
}

interface Owned {
  readonly processes: StartedProcess[];
  readonly dataDirs: string[];
}

/**
 * The processes and data directories of one test file. What a test starts or makes is killed (SIGKILL,
 * when it still runs: tests that check a graceful stop send SIGTERM themselves) and removed after that
 * test; what `beforeAll` starts or makes, after the file's tests. Call it once, at the top of the file.
 */
export function processScope(): ProcessScope {
  const ofFile: Owned = { processes: [], dataDirs: [] };
  let ofTest: Owned | undefined;
  beforeEach(() => {
    ofTest = { processes: [], dataDirs: [] };
  });
  afterEach(async () => {
    const owned = ofTest;
    ofTest = undefined;
    if (owned) await release(owned);
  });
  afterAll(() => release(ofFile));
  const owner = (): Owned => ofTest ?? ofFile;

  const start = (script: string, env: NodeJS.ProcessEnv, options: StartOptions = {}): StartedProcess => {
    const started = startProcess(script, env, options);
    owner().processes.push(started);
    return started;
  };
  return {
    start,
    async startService(env, options) {
      const service = start(ENTRY_POINTS.service, env, options);
      await waitForOutput(service, SERVING, 120_000);
      return service;
    },
    dataDir() {
      const dir = temporaryDataDir();
      owner().dataDirs.push(dir);
      return dir;
    },
  };
}

async function release({ processes, dataDirs }: Owned): Promise<void> {
  for (const started of processes.splice(0)) {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started.exited;
  }
  dataDirs.splice(0).forEach(removeDataDir);
}

function startProcess(script: string, env: NodeJS.ProcessEnv, options: StartOptions): StartedProcess {
  if (!fs.existsSync(script)) {
    const hint = script.startsWith(DIST) ? ': run `npm run build` (npm test and npm run test:processes do)' : '';
    throw new Error(`${script} is missing${hint}`);
  }
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    env: options.onlyThisEnvironment
      ? { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }
      : { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close' comes after 'exit' once stdout and stderr are drained, so output() is complete by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits until the process wrote `text`; fails at once, with its output, when it exits first. */
export async function waitForOutput(started: StartedProcess, text: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    () => {
      const output = started.output();
      const { exitCode, signalCode } = started.child;
      if (!output.includes(text) && (exitCode !== null || signalCode !== null)) {
        throw new Error(`the process exited (${exitCode ?? signalCode}) before writing "${text}":\n${output}`);
      }
      return output;
    },
    (output) => output.includes(text),
    { what: `"${text}" in the process's output`, timeoutMs },
  );
}

/**
 * Stops a server the tests started (FerretDB, redis-server): SIGTERM, then SIGKILL after 5 s. The
 * grace timer is cancelled once the process exits, so no timer outlives the suite.
 */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const grace = new AbortController();
  const stopped = await Promise.race([
    exited.then(() => true),
    sleep(5000, false, { signal: grace.signal }).catch(() => false),
  ]);
  grace.abort();
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}
