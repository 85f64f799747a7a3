/**
 * Runs Debian's `docker-compose` (1.x) on the project's compose files. No Docker engine is needed:
 * `config` only parses, interpolates and validates. A missing binary fails the tests with how to get it:
 * `npm test` installs it first, so a silent skip would only hide that the compose files went unchecked.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../src/paths/project-root';

/** Every compose file combination the README and docs/operations.md tell operators to run. */
export const COMPOSE_SHAPES: Readonly<Record<string, readonly string[]>> = {
  full: ['docker-compose.yml'],
  'scaled-down': ['docker-compose.dev.yml'],
};

/** Placeholders for the variables the compose files require from outside (never real secrets). */
export const REQUIRED_VARIABLES = {
  CLICKHOUSE_PASSWORD: 'placeholder-not-a-secret',
  API_KEYS: `placeholder:read:${'0'.repeat(64)}`,
  MONGODB_ADMIN_PASSWORD: 'placeholderadmin',
  MONGODB_APP_PASSWORD: 'placeholderapp',
};

export interface ComposeResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function dockerCompose(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'docker-compose');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'docker-compose is not installed: `npm run test:prerequisites -- docker-compose` (which npm test runs first) ' +
      "installs Debian's package; the compose files are validated with `docker-compose config -q`.",
  );
}

/**
 * `docker-compose -f … <args>` in the project root, with only `variables` as the environment it
 * interpolates from (an empty --env-file, so a developer's .env changes nothing).
 */
export function runCompose(
  files: readonly string[],
  args: readonly string[],
  variables: Record<string, string>,
): Promise<ComposeResult> {
  const binary = dockerCompose();
  const emptyEnvFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-compose-')), 'empty.env');
  fs.writeFileSync(emptyEnvFile, '');
  const fileArgs = files.flatMap((f) => ['-f', f]);
  return new Promise((resolve) => {
    execFile(
      binary,
      [...fileArgs, '--env-file', emptyEnvFile, ...args],
      {
        cwd: projectRoot(),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...variables },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        fs.rmSync(path.dirname(emptyEnvFile), { recursive: true, force: true });
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface ComposeService {
  readonly command?: readonly string[];
  readonly environment?: Record<string, string | number | boolean | null>;
  readonly stop_grace_period?: string;
  readonly mem_limit?: string | number;
  readonly volumes?: readonly (string | { readonly source?: string; readonly target?: string })[];
  readonly healthcheck?: unknown;
  readonly depends_on?: unknown;
}

/** The compose model after interpolation and merging (`docker-compose config`), parsed. */
export async function composeModel(files: readonly string[]): Promise<{ services: Record<string, ComposeService> }> {
  const result = await runCompose(files, ['config'], REQUIRED_VARIABLES);
  if (result.code !== 0) throw new Error(`docker-compose config failed: ${result.stderr}`);
  return parse(result.stdout) as { services: Record<string, ComposeService> };
}

/** A service's environment as strings, exactly as compose hands it to the container. */
export function environmentOf(service: ComposeService | undefined): Record<string, string> {
  if (!service?.environment) throw new Error('the service has no environment');
  return Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
