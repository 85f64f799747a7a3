import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Rateline reads from its environment, validated in one place so that a bad value stops
 * the start with a message that names the variable instead of failing later somewhere deep.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** Load the reference dataset when the embedded operational store starts empty. */
  readonly seedOnEmptyStore: boolean;
  readonly clickhouse: ClickHouseConfig;
  readonly limits: Limits;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ClickHouseConfig {
  /** A ClickHouse server's HTTP(S) URL; unset means the in-process chDB engine under `dataDir`. */
  readonly url: string | undefined;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly requestTimeoutMs: number;
}

export interface Limits {
  readonly maxRatesRangeDays: number;
  readonly maxQueryDepth: number;
  readonly maxQueryComplexity: number;
  readonly maxRequestBodyBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback);

const environmentSchema = z.object({
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: integer(0, 65535, 4000),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_ON_EMPTY_STORE: flag(true),
  CLICKHOUSE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
    .default('rateline'),
  CLICKHOUSE_REQUEST_TIMEOUT_MS: integer(100, 600_000, 30_000),
  MAX_RATES_RANGE_DAYS: integer(1, 100_000, 3660),
  MAX_QUERY_DEPTH: integer(2, 100, 10),
  MAX_QUERY_COMPLEXITY: integer(10, 10_000_000, 10_000),
  MAX_REQUEST_BODY_BYTES: integer(1024, 1024 * 1024 * 1024, 1024 * 1024),
});

/** Reads and validates the environment; throws {@link ConfigError} naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const raw = env[name];
        return `${name}: ${issue.message}${raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    seedOnEmptyStore: e.SEED_ON_EMPTY_STORE,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    },
    limits: {
      maxRatesRangeDays: e.MAX_RATES_RANGE_DAYS,
      maxQueryDepth: e.MAX_QUERY_DEPTH,
      maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
      maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    },
  };
}
