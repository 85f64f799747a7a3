import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { AnalysisService } from '../analysis';
import type { Config } from '../config';
import { buildRatelineSchema, createGraphqlServer } from '../graphql';
import { createHttpApp } from '../http/app';
import { LocationsService } from '../locations';
import type { Logger } from '../logging/logger';
import { RatesService } from '../rates';
import { readReferenceDataset, seedReferenceData } from '../reference-data';
import { ClickHouseAnalyticsStore, type AnalyticsStore } from '../stores/analytics';
import { SqliteOperationalStore, type OperationalStore } from '../stores/operational';

export interface Stores {
  readonly operational: OperationalStore;
  readonly analytics: AnalyticsStore;
}

/** Opens both stores and migrates their schemas; closes what was opened if the other fails. */
export async function openStores(config: Config): Promise<Stores> {
  const operational = SqliteOperationalStore.open(config.dataDir);
  try {
    const analytics = await ClickHouseAnalyticsStore.open(config.clickhouse, config.dataDir);
    return { operational, analytics };
  } catch (error) {
    await operational.close();
    throw error;
  }
}

export async function closeStores(stores: Stores): Promise<void> {
  await Promise.allSettled([stores.operational.close(), stores.analytics.close()]);
}

export interface RunningRateline {
  readonly url: string;
  readonly port: number;
  readonly stores: Stores;
  /** Stops taking requests, finishes those in flight, then closes the stores. */
  close(): Promise<void>;
}

async function seedIfEmpty(config: Config, stores: Stores, log: Logger): Promise<void> {
  if (!config.seedOnEmptyStore) return;
  const counts = await stores.operational.referenceDataCounts();
  if (counts.regions > 0 || counts.ports > 0) return;
  log.info('operational store is empty: loading the reference dataset');
  const report = await seedReferenceData(stores, readReferenceDataset(), log);
  log.info(
    report,
    `loaded the reference dataset: ${report.regions} regions, ${report.ports} ports, ${report.pricesPresent} prices`,
  );
}

/** Starts the embedded (or server-backed) service and resolves once it answers queries. */
export async function startRateline(config: Config, log: Logger): Promise<RunningRateline> {
  const stores = await openStores(config);
  try {
    await seedIfEmpty(config, stores, log);
    const schema = await buildRatelineSchema();
    const httpServer = http.createServer();
    const apollo = createGraphqlServer({
      schema,
      limits: config.limits,
      log,
      plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
    });
    await apollo.start();
    const rates = new RatesService(stores.operational, stores.analytics, config.limits);
    const app = createHttpApp({
      apollo,
      rates,
      analysis: new AnalysisService(stores.operational, stores.analytics, config.limits),
      locations: new LocationsService(stores.operational),
      maxRequestBodyBytes: config.limits.maxRequestBodyBytes,
      log,
    });
    httpServer.on('request', app);
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    log.info(
      { url: `${url}/graphql`, analytics: config.clickhouse.url ?? 'embedded chDB', dataDir: config.dataDir },
      'Rateline is serving',
    );
    return {
      url,
      port,
      stores,
      close: async () => {
        await apollo.stop();
        await closeStores(stores);
      },
    };
  } catch (error) {
    await closeStores(stores);
    throw error;
  }
}
