import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { closeStores, createReplicator, openStores, storesReadiness } from './app/rateline';
import { createLogger } from './logging/logger';
import { observeReplication } from './observability/metrics';
import { startOperationsServer } from './observability/operations-server';
import { ReplicationMonitor } from './replication';
import { startTracing } from './tracing';

/**
 * `npm run replicator`: the replicator on its own, for shapes where analytics live on a ClickHouse
 * server (CLICKHOUSE_URL) and the API runs with REPLICATOR_IN_PROCESS=false. Several may run: the
 * lease lets one write and keeps the others standing by. With METRICS_PORT set it serves /livez,
 * /readyz and /metrics (replication lag, failures, lease changes) there.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const tracing = startTracing(config.tracing, 'rateline-replicator');
  const stores = await openStores(config, log, tracing?.tracer);
  const replicator = createReplicator(config, stores, log, tracing?.tracer);
  const readiness = storesReadiness(config, stores, replicator);
  const stopObserving = observeReplication(
    new ReplicationMonitor(stores.operational.changeFeed, stores.analytics.replica),
  );
  const operations =
    config.operations.metricsPort === undefined
      ? undefined
      : await startOperationsServer(config.host, config.operations.metricsPort, readiness, log);
  replicator.start();
  log.info({ analytics: config.clickhouse.url ?? 'embedded chDB' }, 'replicator started');
  closeOnSignals(
    log,
    async () => {
      readiness.beginShutdown();
      stopObserving();
      await replicator.stop();
      await operations?.close();
      await closeStores(stores);
      await tracing?.shutdown();
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
