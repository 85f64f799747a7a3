/**
 * Starts a real redis-server (Debian's) for the tests of what Rateline shares through Redis: on
 * 127.0.0.1, a free port, nothing persisted (`--save '' --appendonly no`). A missing binary fails the
 * tests with the command that installs it: `npm test` installs it first, so a silent skip would only
 * hide that the Redis path went untested.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import Redis from 'ioredis';
import { eventually } from './eventually';
import { freePort, stopProcess } from './processes';

export interface RunningRedis {
  /** A connection string, e.g. `redis://127.0.0.1:41234`. */
  readonly url: string;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const INSTALL_HINT =
  "`npm run test:prerequisites -- redis-server` (which `npm test` runs first) installs Debian's redis-server";

export async function startRedis(): Promise<RunningRedis> {
  if (!fs.existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing. ${INSTALL_HINT}`);
  // The free port is only reserved until we close it: if redis-server loses the race for it, try another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(port: number): Promise<RunningRedis> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`redis-server exited during start: ${output.trim() || 'no output'}`);
        return answersPing(url);
      },
      (answers) => answers,
      { what: `redis-server to accept connections on ${url}`, timeoutMs: 15_000, intervalMs: 50 },
    );
  } catch (error) {
    await stopProcess(child, exited);
    throw error;
  }
  return { url, stop: () => stopProcess(child, exited) };
}

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
