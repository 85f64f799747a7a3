import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { readApiKeys, type ApiKeyConfig, type ApiKeySources } from '../auth';

/**
 * Every setting Rateline reads from its environment, declared once: each section is one zod schema
 * over the variables it reads, with their defaults and bounds, and its type is inferred from it. A bad
 * value stops the start with a message that names the variable instead of failing later somewhere deep.
 */

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

/** A duration as a whole number and one unit: `14d`, `36h`, `30m`, `5s`; in milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^[1-9]\d*[dhms]$/, 'must be a duration: a whole number and a unit d, h, m or s (14d, 36h, 30m, 5s)')
  .transform((value) => ms(value as ms.StringValue));

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/** An optional variable for which an empty value means unset. */
const optional = <T extends z.ZodType<unknown, string>>(schema: T) =>
  schema.optional().or(z.literal('').transform(() => undefined));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Read by two sections: the embedded stores' directory, and chDB's default place below it. */
const dataDirVariable = z.string().trim().min(1).default('./data');

const processSection = z
  .object({
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PORT: integer(0, 65535, 4000),
    DATA_DIR: dataDirVariable,
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    SEED_ON_EMPTY_STORE: flag(true),
    NODE_ENV: z.string().default('development'),
    SHUTDOWN_GRACE_MS: integer(100, 3_600_000, 25_000),
    SHUTDOWN_DRAIN_DELAY_MS: integer(0, 600_000, 1_000),
  })
  .transform((e) => ({
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    /** Load the reference dataset when the embedded operational store starts empty. */
    seedOnEmptyStore: e.SEED_ON_EMPTY_STORE,
    /** `production` refuses to run without API keys. */
    environment: e.NODE_ENV,
    /** How long a process may take to finish its work after SIGTERM before it exits anyway. */
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    /**
     * How long the API keeps serving after SIGTERM with /readyz answering 503, so that load balancers
     * stop sending it requests before it stops accepting connections.
     */
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
  }));

const clickHouseSection = z
  .object({
    CLICKHOUSE_URL: optional(httpUrl),
    DATA_DIR: dataDirVariable,
    ANALYTICS_DATA_DIR: z.string().trim().min(1).optional(),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
      .default('rateline'),
    CLICKHOUSE_REQUEST_TIMEOUT_MS: integer(100, 600_000, 30_000),
    CLICKHOUSE_MAX_CONCURRENT_QUERIES: integer(1, 1_000, 8),
    ANALYTICS_SATURATION_WAIT_MS: integer(10, 600_000, 1_000),
  })
  .transform((e) => ({
    /** A ClickHouse server's HTTP(S) URL; unset means the in-process chDB engine under `dataDir`. */
    url: e.CLICKHOUSE_URL,
    /** chDB's directory: one per process, since chDB binds its directory to the process that opens it. */
    embeddedDataDir: path.resolve(e.ANALYTICS_DATA_DIR ?? path.join(e.DATA_DIR, 'analytics')),
    username: e.CLICKHOUSE_USER,
    password: e.CLICKHOUSE_PASSWORD,
    database: e.CLICKHOUSE_DATABASE,
    requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    /** How many analytical reads of this process run on a ClickHouse server at once (chDB: always one). */
    maxConcurrentQueries: e.CLICKHOUSE_MAX_CONCURRENT_QUERIES,
    /**
     * A read waiting for its turn longer than this (or one that gave up waiting less than this long ago)
     * makes /readyz answer 503: the engine is saturated.
     */
    saturationWaitMs: e.ANALYTICS_SATURATION_WAIT_MS,
  }));

const mongoDbSection = z
  .object({
    MONGODB_URI: optional(
      z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// connection string'),
    ),
    MONGODB_DATABASE: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name (letters, digits, _ and -)')
      .default('rateline'),
  })
  .transform((e) => (e.MONGODB_URI === undefined ? undefined : { uri: e.MONGODB_URI, database: e.MONGODB_DATABASE }));

const apiKeysSection = z.object({ API_KEYS: z.string().default(''), API_KEYS_FILE: z.string().optional() });

const replicationSection = z
  .object({
    REPLICATOR_IN_PROCESS: flag(true),
    REPLICATION_FLUSH_MAX_PRICES: integer(1, 1_000_000, 200_000),
    REPLICATION_FLUSH_INTERVAL_MS: integer(10, 60_000, 250),
    REPLICATION_LEASE_TTL_MS: integer(1_000, 600_000, 15_000),
    REPLICATION_BATCH_SLICE_PRICES: integer(1, 1_000_000, 10_000),
    REPLICATION_IDLE_WAIT_MS: integer(10, 60_000, 500),
    REPLICATION_MAX_BACKOFF_MS: integer(100, 600_000, 10_000),
  })
  .transform((e) => ({
    /** Run the replicator inside the API process (the embedded shape); otherwise `npm run replicator`. */
    inProcess: e.REPLICATOR_IN_PROCESS,
    /** Flush once this many prices are waiting (a committed batch is never split across flushes). */
    flushMaxPrices: e.REPLICATION_FLUSH_MAX_PRICES,
    /** Flush at the latest this long after the first waiting change arrived. */
    flushIntervalMs: e.REPLICATION_FLUSH_INTERVAL_MS,
    /** How long a replica lease lasts unless renewed; a replicator that stops renewing is replaced after it. */
    leaseTtlMs: e.REPLICATION_LEASE_TTL_MS,
    /** A batch larger than a flush is copied this many prices at a time, each slice its own INSERT. */
    batchSlicePrices: e.REPLICATION_BATCH_SLICE_PRICES,
    /** How long to wait for changes when the feed is idle before looking again. */
    idleWaitMs: e.REPLICATION_IDLE_WAIT_MS,
    /** Longest pause between retries after a failure (the backoff doubles from 100 ms up to this). */
    maxBackoffMs: e.REPLICATION_MAX_BACKOFF_MS,
  }));

const batchWorkSection = z
  .object({
    WORKER_IN_PROCESS: flag(true),
    WORK_LEASE_TTL_MS: integer(1_000, 600_000, 15_000),
    WORKER_POLL_INTERVAL_MS: integer(10, 60_000, 500),
    WORKER_MAX_BACKOFF_MS: integer(100, 600_000, 10_000),
  })
  .transform((e) => ({
    /** Run a batch worker inside the API process (the embedded shape); otherwise `npm run worker`. */
    inProcess: e.WORKER_IN_PROCESS,
    /** How long a worker's lease on a batch lasts unless renewed (each processed chunk renews it). */
    leaseTtlMs: e.WORK_LEASE_TTL_MS,
    /** How often an idle worker looks for committed batches (a commit in the same process wakes it at once). */
    pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
    /** Longest pause between retries after a failure (the backoff doubles up to this). */
    maxBackoffMs: e.WORKER_MAX_BACKOFF_MS,
  }));

/** Operational-store retention (src/retention); off unless OPERATIONAL_RETENTION is set. */
const retentionSection = z
  .object({
    // Empty means unset; not through `optional`, whose union would hide the format in its message.
    OPERATIONAL_RETENTION: z.preprocess((value) => (value === '' ? undefined : value), duration.optional()),
    REPLICA_RETIRE_AFTER: duration.default(ms('7d')),
  })
  .transform((e) =>
    e.OPERATIONAL_RETENTION === undefined
      ? undefined
      : {
          /** How long after being counted in analytics a batch's prices stay in the operational store. */
          retentionMs: e.OPERATIONAL_RETENTION,
          /** How long an analytics replica may stay silent before retention stops waiting for it. */
          retireAfterMs: e.REPLICA_RETIRE_AFTER,
        },
  );

const limitsSection = z
  .object({
    MAX_RATES_RANGE_DAYS: integer(1, 100_000, 3660),
    MAX_QUERY_DEPTH: integer(2, 100, 10),
    MAX_QUERY_COMPLEXITY: integer(10, 10_000_000, 10_000),
    MAX_QUERY_BYTES: integer(256, 100 * 1024 * 1024, 100_000),
    MAX_QUERY_TOKENS: integer(100, 10_000_000, 10_000),
    MAX_QUERY_ALIASES: integer(0, 1_000_000, 100),
    MAX_QUERY_ROOT_FIELDS: integer(1, 1_000_000, 20),
    MAX_QUERY_FRAGMENTS: integer(0, 1_000_000, 50),
    NODE_ENV: z.string().default('development'),
    INTROSPECTION: z.enum(['on', 'off'], { message: 'must be on or off' }).optional(),
    // 100,000 items of about 110 bytes of JSON each, with room for whitespace and the query.
    MAX_REQUEST_BODY_BYTES: integer(1024, 1024 * 1024 * 1024, 32 * 1024 * 1024),
    MAX_BATCH_ITEMS: integer(1, 10_000_000, 100_000),
    MAX_CHUNKED_BATCH_ITEMS: integer(1, 1_000_000_000, 10_000_000),
    OPEN_BATCH_TTL_MS: integer(1_000, 7 * 24 * 3_600_000, 3_600_000),
    QUERY_TIMEOUT_MS: integer(100, 600_000, 5_000),
  })
  .transform((e) => ({
    maxRatesRangeDays: e.MAX_RATES_RANGE_DAYS,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
    /** Longest query document (the `query` text, not the variables), in bytes. */
    maxQueryBytes: e.MAX_QUERY_BYTES,
    /** Most tokens the GraphQL parser reads before it gives up on a document. */
    maxQueryTokens: e.MAX_QUERY_TOKENS,
    maxQueryAliases: e.MAX_QUERY_ALIASES,
    /** Most fields an operation selects at its root, fragments included. */
    maxQueryRootFields: e.MAX_QUERY_ROOT_FIELDS,
    maxQueryFragments: e.MAX_QUERY_FRAGMENTS,
    /** Answer `__schema`/`__type`: on unless NODE_ENV=production, where it leaks the API's shape for nothing. */
    introspection: e.INTROSPECTION === undefined ? e.NODE_ENV !== 'production' : e.INTROSPECTION === 'on',
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    maxBatchItems: e.MAX_BATCH_ITEMS,
    /** Items a chunked batch may hold in all its chunks. */
    maxChunkedBatchItems: e.MAX_CHUNKED_BATCH_ITEMS,
    /** How long a chunked batch stays open for chunks after it is created. */
    openBatchTtlMs: e.OPEN_BATCH_TTL_MS,
    /**
     * The time budget of an HTTP request's analytical reads (GraphQL queries, GET /rates, the CSV
     * exports), from its arrival: when it runs out they are stopped and the answer is QUERY_TIMEOUT.
     * Writes are not cut short (README, "Time budget").
     */
    queryTimeoutMs: e.QUERY_TIMEOUT_MS,
  }));

const operationsSection = z
  .object({
    METRICS_PORT: optional(
      z
        .string()
        .trim()
        .regex(/^\d+$/, 'must be a whole number')
        .transform(Number)
        .pipe(z.number().int().min(0).max(65535)),
    ),
    READINESS_TIMEOUT_MS: integer(50, 60_000, 2_000),
  })
  .transform((e) => ({
    /**
     * Port on which every process serves /livez, /readyz and /metrics on `host`; undefined serves none.
     * The API also serves /livez and /readyz on its own port, and /metrics there only without API keys.
     */
    metricsPort: e.METRICS_PORT,
    /** How long /readyz waits for each store's ping before calling it unavailable. */
    readinessTimeoutMs: e.READINESS_TIMEOUT_MS,
  }));

/** An exact browser origin: scheme, host and optional port, nothing after. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const listOf = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const httpSection = z
  .object({
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform(listOf)
      .refine((origins) => origins.every((o) => ORIGIN.test(o)), {
        message: 'each origin must be exact, like https://app.example.com or http://localhost:3000 (no path, no *)',
      }),
    HTTP_HEADERS_TIMEOUT_MS: integer(1_000, 600_000, 10_000),
    HTTP_REQUEST_TIMEOUT_MS: integer(1_000, 3_600_000, 120_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(100, 600_000, 5_000),
  })
  .transform((e) => ({
    /** Browser origins (exact) whose pages may call the API; none by default (same origin only). */
    corsOrigins: e.CORS_ORIGINS,
    /** How long a client may take to send a request's headers (cuts off slow-loris clients). */
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    /** How long a client may take to send a whole request, body included (not the response). */
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    /** How long an idle keep-alive connection stays open between requests. */
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  }));

/**
 * OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. The SDK reads
 * its other standard variables itself (OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*).
 */
const tracingSection = z
  .object({
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(httpUrl.transform((url) => url.replace(/\/+$/, ''))),
    OTEL_SERVICE_NAME: optional(z.string().trim().min(1).max(200)),
  })
  .transform((e) => ({
    /** The collector's base URL, no trailing slash (traces go to `/v1/traces` below it); undefined traces nothing. */
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    /** Replaces the process's own service name (`rateline-api`, `rateline-replicator`, `rateline-worker`). */
    serviceName: e.OTEL_SERVICE_NAME,
  }));

/** The Redis that the API replicas share rate limits and answers through (src/redis). */
const redisSection = z
  .object({
    REDIS_URL: optional(z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' })),
  })
  .transform((e) => ({
    /** Unset: each process counts its rate limits and keeps its answers alone. */
    redisUrl: e.REDIS_URL,
  }));

/** Limits per caller (an API key; a client address without one). See src/limits. */
const rateLimitsSection = z
  .object({
    RATE_LIMIT_PER_SECOND: integer(1, 1_000_000, 50),
    RATE_LIMIT_BURST: integer(0, 100_000_000, 500),
    RATE_LIMIT_CONCURRENT_REQUESTS: integer(1, 100_000, 16),
    WS_MAX_CONNECTIONS_PER_KEY: integer(1, 100_000, 16),
    WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: integer(1, 100_000, 100),
    WS_MAX_SUBSCRIPTIONS_PER_KEY: integer(1, 1_000_000, 500),
    WRITE_CONCURRENCY: integer(1, 1_024, 2),
    WRITE_QUEUE_PER_CALLER: integer(0, 10_000, 4),
    WRITE_QUEUE_TIMEOUT_MS: integer(100, 600_000, 10_000),
  })
  .transform((e) => ({
    /** Requests (HTTP data routes, subscriptions) a caller may make each second, sustained. */
    perSecond: e.RATE_LIMIT_PER_SECOND,
    /** Requests a caller may make beyond `perSecond` in each minute. */
    burst: e.RATE_LIMIT_BURST,
    /** Requests of a caller in flight at once in one process. */
    concurrentRequests: e.RATE_LIMIT_CONCURRENT_REQUESTS,
    webSocket: {
      maxConnectionsPerCaller: e.WS_MAX_CONNECTIONS_PER_KEY,
      maxSubscriptionsPerConnection: e.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxSubscriptionsPerCaller: e.WS_MAX_SUBSCRIPTIONS_PER_KEY,
    },
    /** Turns on the write path, shared fairly between callers (src/limits/write-turns.ts). */
    writes: {
      concurrent: e.WRITE_CONCURRENCY,
      queuedPerCaller: e.WRITE_QUEUE_PER_CALLER,
      maxWaitMs: e.WRITE_QUEUE_TIMEOUT_MS,
    },
  }));

/** The cache of analytical answers (src/answer-cache): in this process, and shared through Redis when REDIS_URL is set. */
const answerCacheSection = z
  .object({
    ANSWER_CACHE: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
    CACHE_MAX_MB: integer(1, 1_048_576, 64),
  })
  .transform((e) => ({
    enabled: e.ANSWER_CACHE === 'on',
    /** What the answers kept in this process may take, in bytes (their JSON, UTF-16 in memory). */
    maxBytes: e.CACHE_MAX_MB * 1024 * 1024,
  }));

/** Open Exchange Rates when OXR_APP_ID is set, else the offline table. */
const exchangeRatesSection = z
  .object({
    OXR_APP_ID: optional(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an Open Exchange Rates app id (letters and digits)'),
    ),
    OXR_BASE_URL: httpUrl.transform((url) => url.replace(/\/+$/, '')).default('https://openexchangerates.org/api'),
    OXR_TIMEOUT_MS: integer(100, 120_000, 5_000),
    OXR_RETRIES: integer(0, 10, 2),
    OXR_RETRY_BASE_MS: integer(0, 60_000, 250),
  })
  .transform((e) => ({
    openExchangeRates:
      e.OXR_APP_ID === undefined
        ? undefined
        : {
            appId: e.OXR_APP_ID,
            /** Up to `/api`, no trailing slash. */
            baseUrl: e.OXR_BASE_URL,
            timeoutMs: e.OXR_TIMEOUT_MS,
            retries: e.OXR_RETRIES,
            retryBaseMs: e.OXR_RETRY_BASE_MS,
          },
  }));

type Section<T extends z.ZodType> = Readonly<z.output<T>>;
export type ClickHouseConfig = Section<typeof clickHouseSection>;
export type MongoDbConfig = NonNullable<Section<typeof mongoDbSection>>;
export type ReplicationConfig = Section<typeof replicationSection>;
export type BatchWorkConfig = Section<typeof batchWorkSection>;
export type RetentionConfig = NonNullable<Section<typeof retentionSection>>;
export type Limits = Section<typeof limitsSection>;
export type OperationsConfig = Section<typeof operationsSection>;
export type HttpConfig = Section<typeof httpSection>;
export type RateLimitsConfig = Section<typeof rateLimitsSection>;
export type ExchangeRatesConfig = Section<typeof exchangeRatesSection>;
export type AnswerCacheConfig = Section<typeof answerCacheSection>;
export type TracingConfig = Section<typeof tracingSection>;
export type OpenExchangeRatesConfig = NonNullable<ExchangeRatesConfig['openExchangeRates']>;

export type Config = Section<typeof processSection> &
  Section<typeof redisSection> & {
    readonly clickhouse: ClickHouseConfig;
    readonly mongodb: MongoDbConfig | undefined;
    readonly apiKeys: readonly ApiKeyConfig[];
    /** Where `apiKeys` came from, so that a running process can read them again (API_KEYS_FILE changed). */
    readonly apiKeySources: ApiKeySources;
    readonly replication: ReplicationConfig;
    readonly batchWork: BatchWorkConfig;
    /** Undefined: the operational store keeps every price. */
    readonly retention: RetentionConfig | undefined;
    readonly limits: Limits;
    readonly operations: OperationsConfig;
    readonly http: HttpConfig;
    readonly rateLimits: RateLimitsConfig;
    readonly answerCache: AnswerCacheConfig;
    readonly exchangeRates: ExchangeRatesConfig;
    readonly tracing: TracingConfig;
  };

const SECTIONS = [
  processSection,
  clickHouseSection,
  mongoDbSection,
  apiKeysSection,
  replicationSection,
  batchWorkSection,
  retentionSection,
  limitsSection,
  operationsSection,
  httpSection,
  redisSection,
  rateLimitsSection,
  answerCacheSection,
  exchangeRatesSection,
  tracingSection,
] as const;

/** The names of every environment variable the configuration reads (the README documents each). */
export function configVariableNames(): string[] {
  const names = SECTIONS.flatMap((section) => Object.keys('in' in section ? section.in.shape : section.shape));
  return [...new Set(names)].sort();
}

/** Reads and validates the environment; throws {@link ConfigError} naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const read = <T extends z.ZodType>(section: T): z.output<T> | undefined => {
    const parsed = section.safeParse(env);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const raw = env[name];
      problems.push(`${name}: ${issue.message}${raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`}`);
    }
    return undefined;
  };
  const general = read(processSection);
  const clickhouse = read(clickHouseSection);
  const mongodb = read(mongoDbSection);
  const keys = read(apiKeysSection);
  const replication = read(replicationSection);
  const batchWork = read(batchWorkSection);
  const retention = read(retentionSection);
  const limits = read(limitsSection);
  const operations = read(operationsSection);
  const httpSettings = read(httpSection);
  const redis = read(redisSection);
  const rateLimits = read(rateLimitsSection);
  const answerCache = read(answerCacheSection);
  const exchangeRates = read(exchangeRatesSection);
  const tracing = read(tracingSection);
  if (
    problems.length > 0 ||
    !general ||
    !clickhouse ||
    !keys ||
    !replication ||
    !batchWork ||
    !limits ||
    !operations ||
    !httpSettings ||
    !redis ||
    !rateLimits ||
    !answerCache ||
    !exchangeRates ||
    !tracing
  ) {
    throw new ConfigError(problems);
  }
  if (general.shutdownDrainDelayMs >= general.shutdownGraceMs) {
    throw new ConfigError([
      `SHUTDOWN_DRAIN_DELAY_MS (${general.shutdownDrainDelayMs}) must be below SHUTDOWN_GRACE_MS (${general.shutdownGraceMs}): ` +
        'the drain delay is part of the grace period',
    ]);
  }
  if (httpSettings.headersTimeoutMs > httpSettings.requestTimeoutMs) {
    throw new ConfigError([
      `HTTP_HEADERS_TIMEOUT_MS (${httpSettings.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS ` +
        `(${httpSettings.requestTimeoutMs}): the headers are part of the request`,
    ]);
  }
  if (retention && retention.retireAfterMs <= replication.leaseTtlMs) {
    throw new ConfigError([
      `REPLICA_RETIRE_AFTER (${retention.retireAfterMs} ms) must exceed REPLICATION_LEASE_TTL_MS ` +
        `(${replication.leaseTtlMs}): a replicator says it is there once per lease renewal`,
    ]);
  }
  const { keys: apiKeys, problems: keyProblems } = readApiKeys(keys.API_KEYS, keys.API_KEYS_FILE);
  if (keyProblems) throw new ConfigError(keyProblems);
  if (general.environment === 'production' && apiKeys.length === 0) {
    throw new ConfigError([
      'NODE_ENV=production needs API keys (API_KEYS or API_KEYS_FILE): Rateline refuses to run open in production',
    ]);
  }
  const apiKeySources = { inline: keys.API_KEYS, file: keys.API_KEYS_FILE };
  return {
    ...general,
    ...redis,
    clickhouse,
    mongodb,
    apiKeys,
    apiKeySources,
    replication,
    batchWork,
    retention,
    limits,
    operations,
    http: httpSettings,
    rateLimits,
    answerCache,
    exchangeRates,
    tracing,
  };
}
