import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Tracer } from '@opentelemetry/api';
import { AnalysisService } from '../analysis';
import { cacheAnswers } from '../answer-cache';
import { ApiKeyAuthenticator, reloadApiKeysOnChange, type ApiKeyReloader } from '../auth';
import type { ClickHouseConfig, Config } from '../config';
import {
  ExchangeRateService,
  loadShippedExchangeRates,
  OfflineRateProvider,
  OpenExchangeRatesProvider,
} from '../currencies';
import {
  httpStatusPlugin,
  buildRatelineSchema,
  freshnessPlugin,
  writeTurnsPlugin,
  createGraphqlServer,
  serveGraphqlOverWebSocket,
} from '../graphql';
import { createHttpApp } from '../http/app';
import { refuseSubscriptionsOverHttp } from '../http/subscriptions-over-http';
import { BatchQueries, BatchWorker, IngestService } from '../ingest';
import { openLimits, WriteTurns } from '../limits';
import { LocationsService } from '../locations';
import type { Logger } from '../logging/logger';
import { Readiness } from '../observability/health';
import { startOperationsServer } from '../observability/operations-server';
import {
  answerCacheMetrics,
  ingestMetrics,
  observeBatchQueue,
  limitMetrics,
  observeWriteTurns,
  writeTurnMetrics,
  changeFeedMetrics,
  observeReplication,
  recordRedisAvailability,
  recordStoreError,
  replicatorMetrics,
  retentionMetrics,
} from '../observability/metrics';
import { RatesService } from '../rates';
import { connectRedis, type RedisConnection } from '../redis';
import { readReferenceDataset, seedReferenceData } from '../reference-data';
import { ReplicationMonitor, Replicator } from '../replication';
import { RetentionJob } from '../retention';
import {
  guardAnalyticsStore,
  isClickHouseUnavailable,
  openClickHouseAnalyticsStore,
  type AnalyticsStore,
  type ClickHouseStoreOptions,
} from '../stores/analytics';
import {
  guardOperationalStore,
  isMongoUnavailable,
  isSqliteUnavailable,
  openMongoOperationalStore,
  openSqliteOperationalStore,
  type ExchangeRateTable,
  type OperationalStore,
} from '../stores/operational';
import type { RatelineServices } from '../services';
import {
  chunkSpans,
  graphqlTracing,
  replicaWriteSpans,
  traceAnalyticsStore,
  traceOperationalStore,
  traceServices,
} from '../tracing';

export interface Stores {
  readonly operational: OperationalStore;
  readonly analytics: AnalyticsStore;
}

/**
 * Opens both stores (MongoDB when `MONGODB_URI` is set, else SQLite under `DATA_DIR`; a ClickHouse
 * server when `CLICKHOUSE_URL` is set, else chDB) and migrates their schemas; closes what was opened if
 * the other fails. With a `tracer`, every port's calls are spans of the trace they serve.
 */
export async function openStores(config: Config, log: Logger, tracer?: Tracer): Promise<Stores> {
  const operational = await openOperationalStore(config, log, tracer);
  try {
    const analytics = guardAnalyticsStore(
      await openClickHouseAnalyticsStore(clickHouseStoreOptions(config.clickhouse)),
      isClickHouseUnavailable,
      recordStoreError,
    );
    return { operational, analytics: tracer ? traceAnalyticsStore(analytics, tracer) : analytics };
  } catch (error) {
    await operational.close();
    throw error;
  }
}

/** The ClickHouse adapter's options from the configuration: a server when `CLICKHOUSE_URL` is set, else chDB. */
export function clickHouseStoreOptions(config: ClickHouseConfig): ClickHouseStoreOptions {
  const { url, username, password, requestTimeoutMs, maxConcurrentQueries, embeddedDataDir, database } = config;
  return {
    engine: url
      ? { kind: 'server', url, username, password, requestTimeoutMs, maxConcurrentQueries }
      : { kind: 'embedded', dataDir: embeddedDataDir },
    database,
    saturationWaitMs: config.saturationWaitMs,
  };
}

/** The operational store alone (MongoDB when `MONGODB_URI` is set, else SQLite under `DATA_DIR`). */
export async function openOperationalStore(config: Config, log: Logger, tracer?: Tracer): Promise<OperationalStore> {
  const guarded = config.mongodb
    ? guardOperationalStore(
        await openMongoOperationalStore({
          uri: config.mongodb.uri,
          database: config.mongodb.database,
          log: log.child({ component: 'mongodb' }),
          feedEvents: changeFeedMetrics,
        }),
        isMongoUnavailable,
        recordStoreError,
      )
    : guardOperationalStore(
        openSqliteOperationalStore({ dataDir: config.dataDir }),
        isSqliteUnavailable,
        recordStoreError,
      );
  return tracer ? traceOperationalStore(guarded, tracer) : guarded;
}

/**
 * Readiness of a process that needs both stores: each answers a ping within READINESS_TIMEOUT_MS, and
 * analytics are not saturated (reads wait for their turn longer than ANALYTICS_SATURATION_WAIT_MS).
 * With its `replicator`, also that the replicator has not refused its replica (it would never catch up).
 */
export function storesReadiness(config: Config, stores: Stores, replicator?: Replicator): Readiness {
  return new Readiness(
    [
      { name: 'operational', check: () => stores.operational.checkAvailable() },
      { name: 'analytics', check: () => analyticsReady(stores.analytics) },
      ...(replicator ? [{ name: 'replication', check: () => replicationReady(replicator) }] : []),
    ],
    config.operations.readinessTimeoutMs,
  );
}

function replicationReady(replicator: Replicator): Promise<void> {
  const refusal = replicator.refused();
  return refusal === undefined ? Promise.resolve() : Promise.reject(new Error(`refused: ${refusal}`));
}

/** Rejects while the engine is saturated (naming why), else asks whether it answers. */
async function analyticsReady(analytics: AnalyticsStore): Promise<void> {
  const saturation = analytics.saturation();
  if (saturation) {
    const { waiting, oldestWaitMs, lastGaveUpMsAgo } = saturation;
    throw new Error(
      `saturated: ${waiting} queries waiting, the oldest for ${oldestWaitMs} ms` +
        (lastGaveUpMsAgo === undefined ? '' : `; one gave up waiting ${lastGaveUpMsAgo} ms ago`),
    );
  }
  await analytics.checkAvailable();
}

/**
 * Waits for the in-process replicator to catch up, unless analytics cannot be reached now: then the
 * service starts anyway (writes are still acknowledged; analytics answer ANALYTICS_UNAVAILABLE and
 * /readyz says not ready until ClickHouse answers and the replicator catches up by itself).
 */
async function catchUpIfAnalyticsAnswer(replicator: Replicator, stores: Stores, log: Logger): Promise<void> {
  try {
    await stores.analytics.checkAvailable();
  } catch (error) {
    log.warn(
      { err: error },
      'analytics unavailable at start: serving without waiting for replication; the replicator retries',
    );
    return;
  }
  await replicator.caughtUp(STARTUP_CATCH_UP_MS);
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.allSettled([stores.operational.close(), stores.analytics.close()]);
}

/** How long a start waits for the in-process replicator to bring analytics up to date. */
const STARTUP_CATCH_UP_MS = 10 * 60_000;

/** With a `tracer`, each write to the replica is a trace of its own. */
export function createReplicator(config: Config, stores: Stores, log: Logger, tracer?: Tracer): Replicator {
  return new Replicator(
    {
      operational: stores.operational,
      replica: stores.analytics.replica,
      log: log.child({ component: 'replicator' }),
      events: replicatorMetrics,
      observeWrite: tracer && replicaWriteSpans(tracer),
    },
    config.replication,
  );
}

/** Open Exchange Rates when OXR_APP_ID is set, else the offline table in the operational store. */
export function createExchangeRateService(config: Config, table: ExchangeRateTable): ExchangeRateService {
  const oxr = config.exchangeRates.openExchangeRates;
  return new ExchangeRateService(oxr ? new OpenExchangeRatesProvider(table, oxr) : new OfflineRateProvider(table));
}

/** With a `tracer`, each chunk's work is a trace of its own. */
export function createBatchWorker(
  config: Config,
  operational: OperationalStore,
  exchangeRates: ExchangeRateService,
  log: Logger,
  tracer?: Tracer,
): BatchWorker {
  return new BatchWorker(
    operational,
    exchangeRates,
    ingestMetrics,
    log.child({ component: 'batch-worker' }),
    {
      leaseTtlMs: config.batchWork.leaseTtlMs,
      pollIntervalMs: config.batchWork.pollIntervalMs,
      maxBackoffMs: config.batchWork.maxBackoffMs,
    },
    tracer && chunkSpans(tracer),
  );
}

/** How often retention looks for prices to remove: a quarter of the retention, between 1 s and 1 min. */
const retentionIntervalMs = (retentionMs: number): number => Math.min(60_000, Math.max(1_000, retentionMs / 4));

/** The retention job beside a batch worker; undefined while OPERATIONAL_RETENTION is unset. */
export function createRetentionJob(
  config: Config,
  operational: OperationalStore,
  log: Logger,
): RetentionJob | undefined {
  if (!config.retention) return undefined;
  return new RetentionJob(operational, retentionMetrics, log.child({ component: 'retention' }), {
    ...config.retention,
    intervalMs: retentionIntervalMs(config.retention.retentionMs),
    batchesPerRound: 100,
    // One step is one short write transaction: a few milliseconds of the write lock on SQLite.
    pricesPerStep: 5_000,
    maxBackoffMs: config.batchWork.maxBackoffMs,
  });
}

/**
 * `onCommitted`: a chunked batch was committed through this process (wakes its own worker). With a
 * `tracer`, every service call is a span of the trace it serves.
 */
export function createServices(
  config: Config,
  stores: Stores,
  exchangeRates: ExchangeRateService,
  onCommitted?: () => void,
  tracer?: Tracer,
): RatelineServices {
  const services = createUntracedServices(config, stores, exchangeRates, onCommitted);
  return tracer ? traceServices(services, tracer) : services;
}

function createUntracedServices(
  config: Config,
  stores: Stores,
  exchangeRates: ExchangeRateService,
  onCommitted: (() => void) | undefined,
): RatelineServices {
  const locations = new LocationsService(stores.operational.referenceData);
  const maxRangeDays = config.limits.maxRatesRangeDays;
  return {
    rates: new RatesService({ locations, analytics: stores.analytics.totals, exchangeRates, maxRangeDays }),
    analysis: new AnalysisService({ locations, analytics: stores.analytics.statistics, maxRangeDays }),
    locations,
    batches: new BatchQueries(stores.operational.batches),
    ingest: new IngestService(stores.operational, config.limits, exchangeRates, ingestMetrics, onCommitted),
    exchangeRates,
    replication: new ReplicationMonitor(stores.operational.changeFeed, stores.analytics.replica),
  };
}

export interface RunningRateline {
  readonly url: string;
  readonly port: number;
  /** The port of /livez, /readyz and /metrics when METRICS_PORT is set. */
  readonly operationsPort: number | undefined;
  readonly stores: Stores;
  /**
   * The graceful shutdown: reports not ready and keeps serving for SHUTDOWN_DRAIN_DELAY_MS, then stops
   * taking requests and finishes those in flight (subscriptions are completed); meanwhile the batch
   * in work is handed back after its current chunk; then the replicator applies what it read and
   * stores its checkpoint, and the stores close.
   */
  close(): Promise<void>;
}

/** Loads the reference dataset on a first start: when the operational store holds no port or region. */
async function seedIfEmpty(
  config: Config,
  stores: Stores,
  exchangeRates: ExchangeRateService,
  log: Logger,
): Promise<void> {
  if (!config.seedOnEmptyStore) return;
  const counts = await stores.operational.referenceData.counts();
  if (counts.regions > 0 || counts.ports > 0) return;
  log.info('operational store is empty: loading the reference dataset');
  const report = await seedReferenceData(stores.operational, readReferenceDataset(), {
    exchangeRates,
    events: ingestMetrics,
    log,
  });
  log.info(
    report,
    `loaded the reference dataset: ${report.regions} regions, ${report.ports} ports, ${report.pricesPresent} prices`,
  );
}

/** How often API_KEYS_FILE is looked at for changes (SIGHUP reads it at once). */
const API_KEYS_FILE_POLL_MS = 1000;

/**
 * Re-reads the keys when API_KEYS_FILE changes or on SIGHUP, so that a key is added or revoked
 * without a restart; nothing to watch (and SIGHUP keeps its default) without a file.
 */
function reloadApiKeys(config: Config, authenticator: ApiKeyAuthenticator, log: Logger): ApiKeyReloader | undefined {
  const { file } = config.apiKeySources;
  if (file === undefined) return undefined;
  const fileLog = log.child({ apiKeysFile: file });
  const reloader = reloadApiKeysOnChange(
    authenticator,
    { ...config.apiKeySources, file },
    {
      pollIntervalMs: API_KEYS_FILE_POLL_MS,
      events: {
        reloaded: (keys) => fileLog.info({ keys }, 'API keys reloaded'),
        refused: (problems) => fileLog.error({ problems }, 'API_KEYS_FILE not reloaded: the keys in force stay'),
      },
    },
  );
  const onHangUp = (): void => reloader.reload();
  process.on('SIGHUP', onHangUp);
  return {
    reload: () => reloader.reload(),
    close: () => {
      process.off('SIGHUP', onHangUp);
      reloader.close();
    },
  };
}

function warnIfOpen(config: Config, authenticator: ApiKeyAuthenticator, log: Logger): void {
  if (!authenticator.isOpen) return;
  log.warn(
    { environment: config.environment },
    'NO API KEYS CONFIGURED: anyone who can reach this port may read AND WRITE prices. ' +
      'Set API_KEYS or API_KEYS_FILE (see README, "Who may write"); NODE_ENV=production refuses to start like this.',
  );
}

/**
 * Starts the service: stores, the in-process replicator and batch worker (unless they run on their
 * own), then HTTP and WebSocket. It resolves once analytics hold everything the operational store held
 * at start, so queries answered from then on see every batch acknowledged before. With a `tracer`,
 * each GraphQL operation, replicator write and worker chunk is a trace (see docs/operations.md).
 */
export async function startRateline(config: Config, log: Logger, tracer?: Tracer): Promise<RunningRateline> {
  // One Redis connection serves the rate limits and the answer cache alike.
  const redis = config.redisUrl
    ? await connectRedis(config.redisUrl, log.child({ component: 'redis' }), recordRedisAvailability)
    : undefined;
  let stores: Stores;
  try {
    stores = await openCachedStores(config, redis, tracer, log);
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
  const replicator = config.replication.inProcess ? createReplicator(config, stores, log, tracer) : undefined;
  // One exchange-rate service per process: its caches serve the API and the in-process worker alike.
  const exchangeRates = createExchangeRateService(config, stores.operational.exchangeRates);
  const worker = config.batchWork.inProcess
    ? createBatchWorker(config, stores.operational, exchangeRates, log, tracer)
    : undefined;
  // Retention is background work of the worker: in-process with it, or in `npm run worker`.
  const retention = config.batchWork.inProcess ? createRetentionJob(config, stores.operational, log) : undefined;
  let apiKeyReloader: ApiKeyReloader | undefined;
  const limits = openLimits(config.rateLimits, limitMetrics, redis?.client);
  const writeTurns = new WriteTurns(config.rateLimits.writes, writeTurnMetrics);
  const stopObservingWriteTurns = observeWriteTurns(writeTurns);
  try {
    const authenticator = new ApiKeyAuthenticator(config.apiKeys);
    warnIfOpen(config, authenticator, log);
    apiKeyReloader = reloadApiKeys(config, authenticator, log);
    // The offline table is loaded (once per version of it) even when Open Exchange Rates is configured:
    // it costs one indexed lookup per start, and switching providers back needs no step.
    await loadShippedExchangeRates(stores.operational.exchangeRates, log);
    await seedIfEmpty(config, stores, exchangeRates, log);
    if (replicator) {
      replicator.start();
      await catchUpIfAnalyticsAnswer(replicator, stores, log);
    }
    const schema = await buildRatelineSchema();
    const tracing = tracer && graphqlTracing(tracer);
    tracing?.traceRootResolvers(schema);
    const services = createServices(config, stores, exchangeRates, () => worker?.poke(), tracer);
    const httpServer = http.createServer({
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      // How often Node checks those timeouts (30 s by default, which would let a slow client overstay).
      connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
    });
    const webSocket = serveGraphqlOverWebSocket({
      httpServer,
      schema,
      services,
      authenticator,
      queryLimits: config.limits,
      limits: limits.webSocket,
      log,
    });
    const apollo = createGraphqlServer({
      schema,
      limits: config.limits,
      log,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        refuseSubscriptionsOverHttp(),
        { serverWillStart: () => Promise.resolve({ drainServer: () => webSocket.close() }) },
        httpStatusPlugin(),
        writeTurnsPlugin(writeTurns),
        freshnessPlugin(),
        ...(tracing ? [tracing.plugin] : []),
      ],
    });
    await apollo.start();
    const readiness = storesReadiness(config, stores, replicator);
    const stopObservingReplication = observeReplication(services.replication);
    const stopObservingBatchQueue = observeBatchQueue(stores.operational.batchWork);
    const app = createHttpApp({
      apollo,
      authenticator,
      services,
      limits: config.limits,
      log,
      readiness,
      corsOrigins: config.http.corsOrigins,
      sourceMaps: config.environment !== 'production',
      requestLimits: limits.requests,
      writeTurns,
    });
    httpServer.on('request', app);
    worker?.start();
    retention?.start();
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    const operations =
      config.operations.metricsPort === undefined
        ? undefined
        : await startOperationsServer(config.host, config.operations.metricsPort, readiness, log);
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    log.info(
      {
        url: `${url}/graphql`,
        analytics: config.clickhouse.url ?? 'embedded chDB',
        operational: config.mongodb ? 'MongoDB' : 'embedded SQLite',
        replicator: replicator ? 'in-process' : 'separate process',
        batchWorker: worker ? 'in-process' : 'separate process',
        retention: config.retention ? `${config.retention.retentionMs} ms` : 'off',
        dataDir: config.dataDir,
      },
      'Rateline is serving',
    );
    return {
      url,
      port,
      operationsPort: operations?.port,
      stores,
      close: async () => {
        apiKeyReloader?.close();
        readiness.beginShutdown();
        stopObservingReplication();
        stopObservingBatchQueue();
        stopObservingWriteTurns();
        const workerStopped = Promise.all([worker?.stop(), retention?.stop()]);
        // Still serving while load balancers notice /readyz: closing the listener at once resets the
        // connections the kernel has already accepted (seen in the rolling-restart test).
        await sleep(config.shutdownDrainDelayMs);
        await Promise.all([apollo.stop(), workerStopped, operations?.close()]);
        await replicator?.stop();
        redis?.disconnect();
        await closeStores(stores);
      },
    };
  } catch (error) {
    apiKeyReloader?.close();
    await worker?.stop();
    await retention?.stop();
    await replicator?.stop();
    redis?.disconnect();
    await closeStores(stores);
    throw error;
  }
}

/**
 * The stores of an API process, its analytical reads through the answer cache. The replica is
 * written only by this process when it is chDB (the in-process replicator then writes through the
 * cache's counter); a ClickHouse server's version is read from the server.
 */
async function openCachedStores(
  config: Config,
  redis: RedisConnection | undefined,
  tracer: Tracer | undefined,
  log: Logger,
): Promise<Stores> {
  const opened = await openStores(config, log, tracer);
  try {
    const analytics = await cacheAnswers(opened.analytics, {
      config: config.answerCache,
      writtenInProcess: config.clickhouse.url === undefined,
      redis: redis?.client,
      metrics: answerCacheMetrics,
    });
    return { operational: opened.operational, analytics };
  } catch (error) {
    await closeStores(opened);
    throw error;
  }
}
