import path from 'node:path';
import { z } from 'zod';
import { readApiKeys, type ApiKeyConfig } from '../auth';

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
  /** `production` refuses to run without API keys. */
  readonly environment: string;
  readonly clickhouse: ClickHouseConfig;
  readonly mongodb: MongoDbConfig | undefined;
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly replication: ReplicationConfig;
  readonly batchWork: BatchWorkConfig;
  readonly limits: Limits;
  /** How long a process may take to finish its work after SIGTERM before it exits anyway. */
  readonly shutdownGraceMs: number;
  /**
   * How long the API keeps serving after SIGTERM with /readyz answering 503, so that load balancers
   * stop sending it requests before it stops accepting connections.
   */
  readonly shutdownDrainDelayMs: number;
  readonly operations: OperationsConfig;
  readonly exchangeRates: ExchangeRatesConfig;
}

export interface OperationsConfig {
  /**
   * Port on which a process without the API (replicator, worker) serves /livez, /readyz and /metrics on
   * `host`; undefined serves none. The API serves them on its own port.
   */
  readonly metricsPort: number | undefined;
  /** How long /readyz waits for each store's ping before calling it unavailable. */
  readonly readinessTimeoutMs: number;
}

/** Where exchange rates come from: Open Exchange Rates when configured, else the offline table. */
export interface ExchangeRatesConfig {
  readonly openExchangeRates: OpenExchangeRatesConfig | undefined;
}

export interface OpenExchangeRatesConfig {
  readonly appId: string;
  /** Up to `/api`, no trailing slash. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
}

export interface MongoDbConfig {
  readonly uri: string;
  readonly database: string;
}

export interface ReplicationConfig {
  /** Run the replicator inside the API process (the embedded shape); otherwise `npm run replicator`. */
  readonly inProcess: boolean;
  readonly flushMaxPrices: number;
  readonly flushIntervalMs: number;
  readonly leaseTtlMs: number;
  readonly batchSlicePrices: number;
}

export interface BatchWorkConfig {
  /** Run a batch worker inside the API process (the embedded shape); otherwise `npm run worker`. */
  readonly inProcess: boolean;
  /** How long a worker's lease on a batch lasts unless renewed (each processed chunk renews it). */
  readonly leaseTtlMs: number;
  /** How often an idle worker looks for committed batches (a commit in the same process wakes it at once). */
  readonly pollIntervalMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ClickHouseConfig {
  /** A ClickHouse server's HTTP(S) URL; unset means the in-process chDB engine under `dataDir`. */
  readonly url: string | undefined;
  /** chDB's directory: one per process, since chDB binds its directory to the process that opens it. */
  readonly embeddedDataDir: string;
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
  readonly maxBatchItems: number;
  /** Items a chunked batch may hold in all its chunks. */
  readonly maxChunkedBatchItems: number;
  /** How long a chunked batch stays open for chunks after it is created. */
  readonly openBatchTtlMs: number;
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
  ANALYTICS_DATA_DIR: z.string().trim().min(1).optional(),
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
  // 100,000 items of about 110 bytes of JSON each, with room for whitespace and the query.
  MAX_REQUEST_BODY_BYTES: integer(1024, 1024 * 1024 * 1024, 32 * 1024 * 1024),
  MAX_BATCH_ITEMS: integer(1, 10_000_000, 100_000),
  MAX_CHUNKED_BATCH_ITEMS: integer(1, 1_000_000_000, 10_000_000),
  OPEN_BATCH_TTL_MS: integer(1_000, 7 * 24 * 3_600_000, 3_600_000),
  WORKER_IN_PROCESS: flag(true),
  WORK_LEASE_TTL_MS: integer(1_000, 600_000, 15_000),
  WORKER_POLL_INTERVAL_MS: integer(10, 60_000, 500),
  SHUTDOWN_GRACE_MS: integer(100, 3_600_000, 25_000),
  SHUTDOWN_DRAIN_DELAY_MS: integer(0, 600_000, 1_000),
  NODE_ENV: z.string().default('development'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  MONGODB_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name (letters, digits, _ and -)')
    .default('rateline'),
  API_KEYS: z.string().default(''),
  API_KEYS_FILE: z.string().optional(),
  REPLICATOR_IN_PROCESS: flag(true),
  REPLICATION_FLUSH_MAX_PRICES: integer(1, 1_000_000, 200_000),
  REPLICATION_FLUSH_INTERVAL_MS: integer(10, 60_000, 250),
  REPLICATION_LEASE_TTL_MS: integer(1_000, 600_000, 15_000),
  REPLICATION_BATCH_SLICE_PRICES: integer(1, 1_000_000, 25_000),
  METRICS_PORT: z
    .literal('')
    .transform(() => undefined)
    .or(
      z
        .string()
        .trim()
        .regex(/^\d+$/, 'must be a whole number')
        .transform(Number)
        .pipe(z.number().int().min(0).max(65535)),
    )
    .optional(),
  READINESS_TIMEOUT_MS: integer(50, 60_000, 2_000),
  OXR_APP_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an Open Exchange Rates app id (letters and digits)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  OXR_BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .default('https://openexchangerates.org/api'),
  OXR_TIMEOUT_MS: integer(100, 120_000, 5_000),
  OXR_RETRIES: integer(0, 10, 2),
  OXR_RETRY_BASE_MS: integer(0, 60_000, 250),
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
  if (e.SHUTDOWN_DRAIN_DELAY_MS >= e.SHUTDOWN_GRACE_MS) {
    throw new ConfigError([
      `SHUTDOWN_DRAIN_DELAY_MS (${e.SHUTDOWN_DRAIN_DELAY_MS}) must be below SHUTDOWN_GRACE_MS (${e.SHUTDOWN_GRACE_MS}): ` +
        'the drain delay is part of the grace period',
    ]);
  }
  const { keys: apiKeys, problems } = readApiKeys(e.API_KEYS, e.API_KEYS_FILE);
  if (problems) throw new ConfigError(problems);
  if (e.NODE_ENV === 'production' && apiKeys.length === 0) {
    throw new ConfigError([
      'NODE_ENV=production needs API keys (API_KEYS or API_KEYS_FILE): Rateline refuses to run open in production',
    ]);
  }
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    seedOnEmptyStore: e.SEED_ON_EMPTY_STORE,
    environment: e.NODE_ENV,
    mongodb: e.MONGODB_URI === undefined ? undefined : { uri: e.MONGODB_URI, database: e.MONGODB_DATABASE },
    apiKeys,
    replication: {
      inProcess: e.REPLICATOR_IN_PROCESS,
      flushMaxPrices: e.REPLICATION_FLUSH_MAX_PRICES,
      flushIntervalMs: e.REPLICATION_FLUSH_INTERVAL_MS,
      leaseTtlMs: e.REPLICATION_LEASE_TTL_MS,
      batchSlicePrices: e.REPLICATION_BATCH_SLICE_PRICES,
    },
    batchWork: {
      inProcess: e.WORKER_IN_PROCESS,
      leaseTtlMs: e.WORK_LEASE_TTL_MS,
      pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      embeddedDataDir: path.resolve(e.ANALYTICS_DATA_DIR ?? path.join(e.DATA_DIR, 'analytics')),
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    },
    operations: { metricsPort: e.METRICS_PORT, readinessTimeoutMs: e.READINESS_TIMEOUT_MS },
    exchangeRates: {
      openExchangeRates:
        e.OXR_APP_ID === undefined
          ? undefined
          : {
              appId: e.OXR_APP_ID,
              baseUrl: e.OXR_BASE_URL,
              timeoutMs: e.OXR_TIMEOUT_MS,
              retries: e.OXR_RETRIES,
              retryBaseMs: e.OXR_RETRY_BASE_MS,
            },
    },
    limits: {
      maxRatesRangeDays: e.MAX_RATES_RANGE_DAYS,
      maxQueryDepth: e.MAX_QUERY_DEPTH,
      maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
      maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
      maxBatchItems: e.MAX_BATCH_ITEMS,
      maxChunkedBatchItems: e.MAX_CHUNKED_BATCH_ITEMS,
      openBatchTtlMs: e.OPEN_BATCH_TTL_MS,
    },
  };
}
