import 'reflect-metadata';
import path from 'node:path';
import { closeStores, openStores } from '../src/app/rateline';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { importReplica } from '../src/replication';

/**
 * `npm run analytics:import -- FILE`: loads an `analytics:export` file into the configured analytics
 * replica, which must not follow a feed yet (a new, empty one); its replicator then follows the feed
 * from the position the file reflects (README, "Retention"). Run it with the node stopped.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    console.error('usage: npm run analytics:import -- FILE');
    process.exit(64);
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config, log);
  try {
    const snapshot = await importReplica(stores, path.resolve(file));
    log.info(snapshot, `imported ${snapshot.prices} prices of ${snapshot.batches} batches from ${file}`);
  } finally {
    await closeStores(stores);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
