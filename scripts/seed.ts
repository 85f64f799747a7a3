import 'reflect-metadata';
import { closeStores, createExchangeRateService, createReplicator, openStores } from '../src/app/rateline';
import { loadConfig } from '../src/config';
import { loadShippedExchangeRates } from '../src/currencies';
import { createLogger } from '../src/logging/logger';
import { ingestMetrics } from '../src/observability/metrics';
import { readReferenceDataset, seedReferenceData } from '../src/reference-data';

const CATCH_UP_MS = 10 * 60_000;

/**
 * `npm run seed`: loads the reference dataset through the write path, and the shipped exchange-rates
 * table; safe to run again. With the
 * replicator in-process (the embedded shape) it also waits until analytics count the prices.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config, log);
  try {
    await loadShippedExchangeRates(stores.operational.exchangeRates, log);
    const report = await seedReferenceData(stores.operational, readReferenceDataset(), {
      exchangeRates: createExchangeRateService(config, stores.operational.exchangeRates),
      events: ingestMetrics,
      log,
    });
    log.info(
      report,
      report.pricesLoaded > 0 ? 'reference dataset loaded' : 'reference dataset already present; nothing changed',
    );
    if (config.replication.inProcess) {
      const replicator = createReplicator(config, stores, log);
      replicator.start();
      try {
        await replicator.caughtUp(CATCH_UP_MS);
      } finally {
        await replicator.stop();
      }
      log.info('analytics are up to date');
    }
  } finally {
    await closeStores(stores);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
