import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { AnalysisService } from '../analysis';
import { ApiKeyAuthenticator } from '../auth';
import type { ClickHouseConfig, Config } from '../config';
import {
  ExchangeRateService,
  loadShippedExchangeRates,
  OfflineRateProvider,
  OpenExchangeRatesProvider,
} from '../currencies';
import { buildRatelineSchema, createGraphqlServer, serveGraphqlOverWebSocket } from '../graphql';
import { createHttpApp } from '../http/app';
import { BatchQueries, BatchWorker, IngestService } from '../ingest';
import { LocationsService } from '../locations';
import type { Logger } from '../logging/logger';
import { Readiness } from '../observability/health';
import {
  changeFeedMetrics,
  ingestMetrics,
  observeReplication,
  recordStoreError,
  replicatorMetrics,
} from '../observability/metrics';
import { RatesService } from '../rates';
import { readReferenceDataset, seedReferenceData } from '../reference-data';
import { ReplicationMonitor, Replicator } from '../replication';
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

export interface Stores {
  readonly operational: OperationalStore;
  readonly analytics: AnalyticsStore;
}

/**
 * Opens both stores (MongoDB when `MONGODB_URI` is set, else SQLite under `DATA_DIR`; a ClickHouse
 * server when `CLICKHOUSE_URL` is set, else chDB) and migrates their schemas; closes what was opened if
 * the other fails.
 */
export async function openStores(config: Config, log: Logger): Promise<Stores> {
  const operational = await openOperationalStore(config, log);
  try {
    const analytics = guardAnalyticsStore(
      await openClickHouseAnalyticsStore(clickHouseStoreOptions(config.clickhouse)),
      isClickHouseUnavailable,
      recordStoreError,
    );
    return { operational, analytics };
  } catch (error) {
    await operational.close();
    throw error;
  }
}

/** The ClickHouse adapter's options from the configuration: a server when `CLICKHOUSE_URL` is set, else chDB. */
export function clickHouseStoreOptions(config: ClickHouseConfig): ClickHouseStoreOptions {
  const { url, username, password, requestTimeoutMs, embeddedDataDir, database } = config;
  return {
    engine: url
      ? { kind: 'server', url, username, password, requestTimeoutMs }
      : { kind: 'embedded', dataDir: embeddedDataDir },
    database,
  };
}

/** The operational store alone (MongoDB when `MONGODB_URI` is set, else SQLite under `DATA_DIR`). */
export async function openOperationalStore(config: Config, log: Logger): Promise<OperationalStore> {
  if (config.mongodb) {
    const { uri, database } = config.mongodb;
    const store = await openMongoOperationalStore({
      uri,
      database,
      log: log.child({ component: 'mongodb' }),
      feedEvents: changeFeedMetrics,
    });
    return guardOperationalStore(store, isMongoUnavailable, recordStoreError);
  }
  return guardOperationalStore(
    openSqliteOperationalStore({ dataDir: config.dataDir }),
    isSqliteUnavailable,
    recordStoreError,
  );
}

/** Readiness of a process that needs both stores: each answers a ping within READINESS_TIMEOUT_MS. */
export function storesReadiness(config: Config, stores: Stores): Readiness {
  return new Readiness(
    [
      { name: 'operational', check: () => stores.operational.checkAvailable() },
      { name: 'analytics', check: () => stores.analytics.checkAvailable() },
    ],
    config.operations.readinessTimeoutMs,
  );
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

export function createReplicator(config: Config, stores: Stores, log: Logger): Replicator {
  return new Replicator(
    {
      operational: stores.operational,
      replica: stores.analytics.replica,
      log: log.child({ component: 'replicator' }),
      events: replicatorMetrics,
    },
    config.replication,
  );
}

/** Open Exchange Rates when OXR_APP_ID is set, else the offline table in the operational store. */
export function createExchangeRateService(config: Config, table: ExchangeRateTable): ExchangeRateService {
  const oxr = config.exchangeRates.openExchangeRates;
  return new ExchangeRateService(oxr ? new OpenExchangeRatesProvider(table, oxr) : new OfflineRateProvider(table));
}

export function createBatchWorker(
  config: Config,
  operational: OperationalStore,
  exchangeRates: ExchangeRateService,
  log: Logger,
): BatchWorker {
  return new BatchWorker(operational, exchangeRates, ingestMetrics, log.child({ component: 'batch-worker' }), {
    leaseTtlMs: config.batchWork.leaseTtlMs,
    pollIntervalMs: config.batchWork.pollIntervalMs,
    maxBackoffMs: config.batchWork.maxBackoffMs,
  });
}

/** `onCommitted`: a chunked batch was committed through this process (wakes its own worker). */
export function createServices(
  config: Config,
  stores: Stores,
  exchangeRates: ExchangeRateService,
  onCommitted?: () => void,
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
 * at start, so queries answered from then on see every batch acknowledged before.
 */
export async function startRateline(config: Config, log: Logger): Promise<RunningRateline> {
  const stores = await openStores(config, log);
  const replicator = config.replication.inProcess ? createReplicator(config, stores, log) : undefined;
  // One exchange-rate service per process: its caches serve the API and the in-process worker alike.
  const exchangeRates = createExchangeRateService(config, stores.operational.exchangeRates);
  const worker = config.batchWork.inProcess
    ? createBatchWorker(config, stores.operational, exchangeRates, log)
    : undefined;
  try {
    const authenticator = new ApiKeyAuthenticator(config.apiKeys);
    warnIfOpen(config, authenticator, log);
    // The offline table is loaded (once per version of it) even when Open Exchange Rates is configured:
    // it costs one indexed lookup per start, and switching providers back needs no step.
    await loadShippedExchangeRates(stores.operational.exchangeRates, log);
    await seedIfEmpty(config, stores, exchangeRates, log);
    if (replicator) {
      replicator.start();
      await catchUpIfAnalyticsAnswer(replicator, stores, log);
    }
    const schema = await buildRatelineSchema();
    const services = createServices(config, stores, exchangeRates, () => worker?.poke());
    const httpServer = http.createServer();
    const webSocket = serveGraphqlOverWebSocket({ httpServer, schema, services, authenticator, log });
    const apollo = createGraphqlServer({
      schema,
      limits: config.limits,
      log,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        { serverWillStart: () => Promise.resolve({ drainServer: () => webSocket.close() }) },
      ],
    });
    await apollo.start();
    const readiness = storesReadiness(config, stores);
    const stopObservingReplication = observeReplication(services.replication);
    const app = createHttpApp({
      apollo,
      authenticator,
      services,
      maxRequestBodyBytes: config.limits.maxRequestBodyBytes,
      log,
      readiness,
    });
    httpServer.on('request', app);
    worker?.start();
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    log.info(
      {
        url: `${url}/graphql`,
        analytics: config.clickhouse.url ?? 'embedded chDB',
        operational: config.mongodb ? 'MongoDB' : 'embedded SQLite',
        replicator: replicator ? 'in-process' : 'separate process',
        batchWorker: worker ? 'in-process' : 'separate process',
        dataDir: config.dataDir,
      },
      'Rateline is serving',
    );
    return {
      url,
      port,
      stores,
      close: async () => {
        readiness.beginShutdown();
        stopObservingReplication();
        const workerStopped = worker?.stop();
        // Still serving while load balancers notice /readyz: closing the listener at once resets the
        // connections the kernel has already accepted (seen in the rolling-restart test).
        await sleep(config.shutdownDrainDelayMs);
        await Promise.all([apollo.stop(), workerStopped]);
        await replicator?.stop();
        await closeStores(stores);
      },
    };
  } catch (error) {
    await worker?.stop();
    await replicator?.stop();
    await closeStores(stores);
    throw error;
  }
}
