import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { closeStores, createReplicator, openStores } from './app/rateline';
import { createLogger } from './logging/logger';

/**
 * `npm run replicator`: the replicator on its own, for shapes where analytics live on a ClickHouse
 * server (CLICKHOUSE_URL) and the API runs with REPLICATOR_IN_PROCESS=false. Several may run: the
 * lease lets one write and keeps the others standing by.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config, log);
  const replicator = createReplicator(config, stores, log);
  replicator.start();
  log.info({ analytics: config.clickhouse.url ?? 'embedded chDB' }, 'replicator started');
  closeOnSignals(
    log,
    async () => {
      await replicator.stop();
      await closeStores(stores);
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
