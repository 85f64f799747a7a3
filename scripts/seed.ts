import 'reflect-metadata';
import { closeStores, openStores } from '../src/app/rateline';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { readReferenceDataset, seedReferenceData } from '../src/reference-data';

/** `npm run seed`: loads the reference dataset into the configured stores; safe to run again. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config);
  try {
    const report = await seedReferenceData(stores, readReferenceDataset(), log);
    log.info(
      report,
      report.pricesLoaded > 0 ? 'reference dataset loaded' : 'reference dataset already present; nothing changed',
    );
  } finally {
    await closeStores(stores);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
