import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, configVariableNames, loadConfig } from '../../../src/config';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('turns introspection off in production unless INTROSPECTION says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: `k:read:${'0'.repeat(64)}` }).limits.introspection).toBe(
      false,
    );
    expect(
      loadConfig({ NODE_ENV: 'production', API_KEYS: `k:read:${'0'.repeat(64)}`, INTROSPECTION: 'on' }).limits
        .introspection,
    ).toBe(true);
    expect(loadConfig({ INTROSPECTION: 'off' }).limits.introspection).toBe(false);
    expect(() => loadConfig({ INTROSPECTION: 'maybe' })).toThrow(/INTROSPECTION: must be on or off/);
  });

  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.clickhouse).toMatchObject({
      url: undefined,
      database: 'rateline',
      username: 'default',
      maxConcurrentQueries: 8,
      saturationWaitMs: 1_000,
    });
    expect(config.limits).toEqual({
      maxRatesRangeDays: 3660,
      maxQueryDepth: 10,
      maxQueryComplexity: 10_000,
      maxQueryBytes: 100_000,
      maxQueryTokens: 10_000,
      maxQueryAliases: 100,
      maxQueryRootFields: 20,
      maxQueryFragments: 50,
      introspection: true,
      maxRequestBodyBytes: 32 * 1024 * 1024,
      maxBatchItems: 100_000,
      maxChunkedBatchItems: 10_000_000,
      openBatchTtlMs: 3_600_000,
      queryTimeoutMs: 5_000,
    });
    expect(config.clickhouse.embeddedDataDir).toBe(path.join(config.dataDir, 'analytics'));
    expect(config.batchWork).toEqual({
      inProcess: true,
      leaseTtlMs: 15_000,
      pollIntervalMs: 500,
      maxBackoffMs: 10_000,
    });
    expect(config.shutdownGraceMs).toBe(25_000);
    expect(config.shutdownDrainDelayMs).toBe(1_000);
    expect(config.seedOnEmptyStore).toBe(true);
    expect(config.mongodb).toBeUndefined();
    expect(config.apiKeys).toEqual([]);
    expect(config.environment).toBe('development');
    expect(config.replication).toEqual({
      inProcess: true,
      flushMaxPrices: 200_000,
      flushIntervalMs: 250,
      leaseTtlMs: 15_000,
      batchSlicePrices: 10_000,
      idleWaitMs: 500,
      maxBackoffMs: 10_000,
    });
    expect(config.operations).toEqual({ metricsPort: undefined, readinessTimeoutMs: 2_000 });
    // Offline rates unless an Open Exchange Rates app id is given.
    expect(config.exchangeRates).toEqual({ openExchangeRates: undefined });
  });

  it('switches to Open Exchange Rates with OXR_APP_ID, with documented defaults for the rest', () => {
    expect(loadConfig({ OXR_APP_ID: 'abc123' }).exchangeRates.openExchangeRates).toEqual({
      appId: 'abc123',
      baseUrl: 'https://openexchangerates.org/api',
      timeoutMs: 5_000,
      retries: 2,
      retryBaseMs: 250,
    });
    expect(
      loadConfig({
        OXR_APP_ID: 'abc123',
        OXR_BASE_URL: 'http://127.0.0.1:9000/api/',
        OXR_TIMEOUT_MS: '1500',
        OXR_RETRIES: '0',
        OXR_RETRY_BASE_MS: '10',
      }).exchangeRates.openExchangeRates,
    ).toEqual({ appId: 'abc123', baseUrl: 'http://127.0.0.1:9000/api', timeoutMs: 1_500, retries: 0, retryBaseMs: 10 });
    expect(loadConfig({ OXR_APP_ID: '' }).exchangeRates.openExchangeRates).toBeUndefined();
  });

  it('limits each caller by default, shares rates through REDIS_URL when set, and names a bad one', () => {
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(loadConfig({}).rateLimits).toEqual({
      perSecond: 50,
      burst: 500,
      concurrentRequests: 16,
      webSocket: { maxConnectionsPerCaller: 16, maxSubscriptionsPerConnection: 100, maxSubscriptionsPerCaller: 500 },
      writes: { concurrent: 2, queuedPerCaller: 4, maxWaitMs: 10_000 },
    });
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redisUrl).toBe('redis://cache:6379/2');
    expect(
      loadConfig({
        RATE_LIMIT_PER_SECOND: '5',
        RATE_LIMIT_BURST: '0',
        RATE_LIMIT_CONCURRENT_REQUESTS: '2',
        WS_MAX_CONNECTIONS_PER_KEY: '3',
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '4',
        WS_MAX_SUBSCRIPTIONS_PER_KEY: '6',
        WRITE_CONCURRENCY: '1',
        WRITE_QUEUE_PER_CALLER: '0',
        WRITE_QUEUE_TIMEOUT_MS: '250',
      }).rateLimits,
    ).toEqual({
      perSecond: 5,
      burst: 0,
      concurrentRequests: 2,
      webSocket: { maxConnectionsPerCaller: 3, maxSubscriptionsPerConnection: 4, maxSubscriptionsPerCaller: 6 },
      writes: { concurrent: 1, queuedPerCaller: 0, maxWaitMs: 250 },
    });
    expect(problemsOf({ REDIS_URL: 'http://cache:6379', RATE_LIMIT_PER_SECOND: '0', WRITE_CONCURRENCY: '0' })).toEqual([
      expect.stringMatching(/^REDIS_URL: .*redis:\/\//),
      expect.stringMatching(/^RATE_LIMIT_PER_SECOND: .*"0"/),
      expect.stringMatching(/^WRITE_CONCURRENCY: .*"0"/),
    ]);
  });

  it('names bad Open Exchange Rates settings', () => {
    expect(problemsOf({ OXR_APP_ID: 'has spaces' })).toEqual([expect.stringMatching(/^OXR_APP_ID: /)]);
    expect(problemsOf({ OXR_BASE_URL: 'ftp://x' })).toEqual([expect.stringMatching(/^OXR_BASE_URL: .*http/)]);
    expect(problemsOf({ OXR_TIMEOUT_MS: '10' })).toEqual([expect.stringMatching(/^OXR_TIMEOUT_MS: .*"10"/)]);
    expect(problemsOf({ OXR_RETRIES: '11' })).toEqual([expect.stringMatching(/^OXR_RETRIES: /)]);
    expect(problemsOf({ OXR_RETRY_BASE_MS: 'soon' })).toEqual([expect.stringMatching(/^OXR_RETRY_BASE_MS: /)]);
  });

  it('has a default body limit that fits a batch of the default item limit, even pretty-printed', () => {
    const { limits } = loadConfig({});
    const items = Array.from({ length: limits.maxBatchItems }, (_, i) => ({
      originCode: 'CNSGH',
      destinationCode: 'north_europe_main'.slice(0, 5),
      day: '2016-01-01',
      price: 1_000_000 + i / 100,
      currency: 'USD',
    }));
    const query = 'mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id } }';
    const body = JSON.stringify({ query, variables: { input: { idempotencyKey: 'k'.repeat(200), items } } }, null, 2);
    expect(Buffer.byteLength(body)).toBeLessThan(limits.maxRequestBodyBytes);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/somewhere',
      LOG_LEVEL: 'debug',
      SEED_ON_EMPTY_STORE: 'false',
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_USER: 'rateline',
      CLICKHOUSE_PASSWORD: 's3cret',
      CLICKHOUSE_DATABASE: 'rates_prod',
      MAX_RATES_RANGE_DAYS: '31',
      MAX_REQUEST_BODY_BYTES: '2048',
      MAX_BATCH_ITEMS: '500',
      NODE_ENV: 'staging',
      MONGODB_URI: 'mongodb://db1:27017,db2:27017/?replicaSet=rs0',
      MONGODB_DATABASE: 'rates',
      API_KEYS: `a:read:${'a'.repeat(64)}, b:read+ingest:${'b'.repeat(64)}`,
      REPLICATOR_IN_PROCESS: 'false',
      REPLICATION_FLUSH_MAX_PRICES: '1000',
      REPLICATION_FLUSH_INTERVAL_MS: '50',
      REPLICATION_LEASE_TTL_MS: '5000',
      REPLICATION_BATCH_SLICE_PRICES: '700',
      REPLICATION_IDLE_WAIT_MS: '40',
      REPLICATION_MAX_BACKOFF_MS: '2000',
      ANALYTICS_DATA_DIR: '/tmp/node-2-analytics',
      MAX_CHUNKED_BATCH_ITEMS: '5000',
      OPEN_BATCH_TTL_MS: '60000',
      WORKER_IN_PROCESS: 'false',
      WORK_LEASE_TTL_MS: '3000',
      WORKER_POLL_INTERVAL_MS: '20',
      WORKER_MAX_BACKOFF_MS: '3000',
      READINESS_TIMEOUT_MS: '700',
      SHUTDOWN_GRACE_MS: '9000',
      SHUTDOWN_DRAIN_DELAY_MS: '3000',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/tmp/somewhere',
      logLevel: 'debug',
      seedOnEmptyStore: false,
      clickhouse: {
        url: 'https://ch.example:8443',
        username: 'rateline',
        password: 's3cret',
        database: 'rates_prod',
        embeddedDataDir: '/tmp/node-2-analytics',
      },
      limits: {
        maxRatesRangeDays: 31,
        maxRequestBodyBytes: 2048,
        maxBatchItems: 500,
        maxChunkedBatchItems: 5000,
        openBatchTtlMs: 60_000,
      },
      batchWork: { inProcess: false, leaseTtlMs: 3000, pollIntervalMs: 20, maxBackoffMs: 3000 },
      operations: { readinessTimeoutMs: 700 },
      shutdownGraceMs: 9000,
      shutdownDrainDelayMs: 3000,
      environment: 'staging',
      mongodb: { uri: 'mongodb://db1:27017,db2:27017/?replicaSet=rs0', database: 'rates' },
      apiKeys: [
        { name: 'a', roles: ['read'], sha256: 'a'.repeat(64) },
        { name: 'b', roles: ['read', 'ingest'], sha256: 'b'.repeat(64) },
      ],
      apiKeySources: { inline: `a:read:${'a'.repeat(64)}, b:read+ingest:${'b'.repeat(64)}`, file: undefined },
      replication: {
        inProcess: false,
        flushMaxPrices: 1000,
        flushIntervalMs: 50,
        leaseTtlMs: 5000,
        batchSlicePrices: 700,
        idleWaitMs: 40,
        maxBackoffMs: 2000,
      },
    });
  });

  it('reads OPERATIONAL_RETENTION and REPLICA_RETIRE_AFTER as durations; retention is off unless set', () => {
    expect(loadConfig({}).retention).toBeUndefined();
    expect(loadConfig({ OPERATIONAL_RETENTION: '' }).retention).toBeUndefined();
    expect(loadConfig({ OPERATIONAL_RETENTION: '14d' }).retention).toEqual({
      retentionMs: 14 * 86_400_000,
      retireAfterMs: 7 * 86_400_000,
    });
    expect(loadConfig({ OPERATIONAL_RETENTION: '36h', REPLICA_RETIRE_AFTER: '30m' }).retention).toEqual({
      retentionMs: 36 * 3_600_000,
      retireAfterMs: 30 * 60_000,
    });
    expect(loadConfig({ OPERATIONAL_RETENTION: '5s' }).retention?.retentionMs).toBe(5_000);
  });

  it('names a bad retention and the accepted format, and a retirement shorter than a lease', () => {
    for (const bad of ['14', '2w', '1.5h', '0s', '-5s', '14 days', 'soon']) {
      expect(problemsOf({ OPERATIONAL_RETENTION: bad })).toEqual([
        `OPERATIONAL_RETENTION: must be a duration: a whole number and a unit d, h, m or s (14d, 36h, 30m, 5s) (got ${JSON.stringify(bad)})`,
      ]);
    }
    expect(problemsOf({ OPERATIONAL_RETENTION: '1d', REPLICA_RETIRE_AFTER: 'never' })[0]).toMatch(
      /^REPLICA_RETIRE_AFTER: must be a duration/,
    );
    expect(problemsOf({ OPERATIONAL_RETENTION: '1d', REPLICA_RETIRE_AFTER: '10s' })).toEqual([
      'REPLICA_RETIRE_AFTER (10000 ms) must exceed REPLICATION_LEASE_TTL_MS (15000): a replicator says it is there once per lease renewal',
    ]);
  });

  it('names every bad variable and the value it got', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MAX_RATES_RANGE_DAYS: '0',
      LOG_LEVEL: 'loud',
      CLICKHOUSE_URL: 'tcp://x',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: .*"eighty"/),
        expect.stringMatching(/^MAX_RATES_RANGE_DAYS: .*"0"/),
        expect.stringMatching(/^LOG_LEVEL: .*"loud"/),
        expect.stringMatching(/^CLICKHOUSE_URL: .*http/),
      ]),
    );
  });

  it('refuses a drain delay that does not fit in the shutdown grace period', () => {
    expect(problemsOf({ SHUTDOWN_GRACE_MS: '5000', SHUTDOWN_DRAIN_DELAY_MS: '5000' })).toEqual([
      expect.stringMatching(/^SHUTDOWN_DRAIN_DELAY_MS \(5000\) must be below SHUTDOWN_GRACE_MS \(5000\)/),
    ]);
  });

  it('reads the HTTP edge settings: exact CORS origins and the server timeouts', () => {
    expect(loadConfig({}).http).toEqual({
      corsOrigins: [],
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 5_000,
    });
    const config = loadConfig({
      CORS_ORIGINS: ' https://app.example.com, http://localhost:3000 ,http://[::1]:8080',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '700',
    });
    expect(config.http).toEqual({
      corsOrigins: ['https://app.example.com', 'http://localhost:3000', 'http://[::1]:8080'],
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      keepAliveTimeoutMs: 700,
    });
    for (const bad of ['*', 'https://app.example.com/', 'app.example.com', 'https://ok.example, https://*.example']) {
      expect(problemsOf({ CORS_ORIGINS: bad })).toEqual([
        expect.stringMatching(/^CORS_ORIGINS: each origin must be exact/),
      ]);
    }
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000' })).toEqual([
      expect.stringMatching(/^HTTP_HEADERS_TIMEOUT_MS \(60000\) must not exceed HTTP_REQUEST_TIMEOUT_MS/),
    ]);
  });

  it('rejects a port out of range and a database name that is not an identifier', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT/)]);
    expect(problemsOf({ CLICKHOUSE_DATABASE: 'rates; DROP TABLE x' })).toEqual([
      expect.stringMatching(/^CLICKHOUSE_DATABASE/),
    ]);
  });

  it('refuses to run open in production, and accepts keys from a file', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/NODE_ENV=production needs API keys/),
    ]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-keys-')), 'keys.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'ops', roles: ['ingest'], sha256: 'c'.repeat(64) }]));
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS_FILE: file }).apiKeys).toEqual([
      { name: 'ops', roles: ['ingest'], sha256: 'c'.repeat(64) },
    ]);
  });

  it('names what is wrong with an API key entry', () => {
    expect(problemsOf({ API_KEYS: `a:write:${'a'.repeat(64)}` })).toEqual([
      expect.stringMatching(/^API_KEYS: .*roles/),
    ]);
    expect(problemsOf({ API_KEYS: 'a:read:not-a-hash' })).toEqual([expect.stringMatching(/^API_KEYS: .*sha256/)]);
    expect(problemsOf({ API_KEYS: `a:read:${'a'.repeat(64)},a:ingest:${'b'.repeat(64)}` })).toEqual([
      expect.stringMatching(/"a" is used twice/),
    ]);
    expect(problemsOf({ API_KEYS_FILE: '/nonexistent/keys.json' })).toEqual([
      expect.stringMatching(/^API_KEYS_FILE: cannot read/),
    ]);
    expect(problemsOf({ MONGODB_URI: 'postgres://x' })).toEqual([expect.stringMatching(/^MONGODB_URI/)]);
  });
});

describe('the README configuration table', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]))
    .sort();

  it('documents exactly the variables the configuration reads', () => {
    expect(documented).toEqual(configVariableNames());
  });
});
