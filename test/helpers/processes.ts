/**
 * Rateline's compiled entry points started as real processes (`npm test` builds before jest runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../src/reference-data';

export const ENTRY_POINTS = {
  service: path.join(projectRoot(), 'dist', 'src', 'main.js'),
  replicator: path.join(projectRoot(), 'dist', 'src', 'replicator-main.js'),
  worker: path.join(projectRoot(), 'dist', 'src', 'worker-main.js'),
  seed: path.join(projectRoot(), 'dist', 'scripts', 'seed.js'),
  healthcheck: path.join(projectRoot(), 'dist', 'scripts', 'healthcheck.js'),
  ratesImport: path.join(projectRoot(), 'dist', 'scripts', 'import-exchange-rates.js'),
};

export function requireBuild(): void {
  for (const file of Object.values(ENTRY_POINTS)) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does)`);
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface StartedProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  readonly args?: readonly string[];
  /** Start with only `env` (and PATH), as a container would, instead of this process's environment plus `env`. */
  readonly onlyThisEnvironment?: boolean;
}

export function startProcess(script: string, env: NodeJS.ProcessEnv, options: StartOptions = {}): StartedProcess {
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    env: options.onlyThisEnvironment
      ? { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }
      : { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForOutput(started: StartedProcess, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (Date.now() > deadline || started.child.exitCode !== null) {
      throw new Error(`never saw "${text}" in:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
