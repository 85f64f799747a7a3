/**
 * Starts a real FerretDB 1.24 (MongoDB wire protocol over SQLite) for the Mongo adapter's tests: on
 * 127.0.0.1, a free port, its state and data in a fresh temporary directory that `stop()` removes.
 * A missing binary fails the tests with the command that installs it: `npm test` installs it first, so a
 * silent skip would only hide that the Mongo adapter went untested.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { eventually } from './eventually';
import { stopProcess } from './processes';

export interface RunningFerretDb {
  /** A connection string for the driver, e.g. `mongodb://127.0.0.1:41234/`. */
  readonly uri: string;
  /** Kills the server (SIGKILL, as a crash or a lost host would), keeping its data for {@link restart}. */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  '`npm run test:prerequisites -- ferretdb` (which `npm test` runs first) builds FerretDB v1.24.2 with Go into ' +
  '$(go env GOPATH)/bin, or set FERRETDB_BIN to a FerretDB 1.24 binary. A bare ' +
  '`go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start (its ' +
  'build/version/version.txt is generated, not in the module); scripts/test-prerequisites.sh writes that file.';

/** `FERRETDB_BIN`, else `$(go env GOPATH)/bin/ferretdb`; throws with install instructions when absent. */
export function ferretDbBinary(): string {
  const candidates: string[] = [];
  if (process.env.FERRETDB_BIN) {
    candidates.push(process.env.FERRETDB_BIN);
  } else {
    try {
      const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
      if (gopath) candidates.push(path.join(gopath.split(path.delimiter)[0]!, 'bin', 'ferretdb'));
    } catch {
      // No Go on PATH: GOPATH's default is the only other place the binary can be.
    }
    candidates.push(path.join(os.homedir(), 'go', 'bin', 'ferretdb'));
  }
  const found = candidates.find((candidate) => isExecutable(candidate));
  if (!found) {
    throw new Error(`FerretDB is not installed (looked for ${candidates.join(', ')}). ${INSTALL_HINT}`);
  }
  return found;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const STARTUP_TIMEOUT_MS = 30_000;

export async function startFerretDb(): Promise<RunningFerretDb> {
  const binary = ferretDbBinary();
  // The free port is only reserved until we close it: if FerretDB loses the race for it, try another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-ferretdb-'));
    const port = await freePort();
    try {
      return await startOn(binary, dir, port);
    } catch (error) {
      lastError = error;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

interface FerretProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** Spawns FerretDB on `port` with its data under `dir` and waits until it answers a ping. */
async function spawnOn(binary: string, dir: string, port: number): Promise<FerretProcess> {
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--telemetry=disable',
      // "-" turns the metrics/pprof HTTP listener off, so parallel instances never fight over its port.
      '--debug-addr=-',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await eventually(
      async () => {
        if (hasExited) throw new Error(`FerretDB (${binary}) exited during start: ${stderr.trim() || 'no output'}`);
        return { answersPing: await answersPing(uri), stderr };
      },
      (state) => state.answersPing,
      { what: `FerretDB to accept connections on ${uri}`, timeoutMs: STARTUP_TIMEOUT_MS, intervalMs: 100 },
    );
  } catch (error) {
    await stopProcess(child, exited);
    throw error;
  }
  return { child, exited };
}

async function startOn(binary: string, dir: string, port: number): Promise<RunningFerretDb> {
  let current: FerretProcess | undefined = await spawnOn(binary, dir, port);
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    async kill() {
      if (!current) return;
      current.child.kill('SIGKILL');
      await current.exited;
      current = undefined;
    },
    async restart() {
      if (current) throw new Error('FerretDB is still running');
      current = await spawnOn(binary, dir, port);
    },
    async stop() {
      if (current) await stopProcess(current.child, current.exited);
      current = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answersPing(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}
