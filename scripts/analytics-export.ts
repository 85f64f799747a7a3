import 'reflect-metadata';
import path from 'node:path';
import { closeStores, openStores } from '../src/app/rateline';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { exportReplica } from '../src/replication';

/**
 * `npm run analytics:export -- FILE`: writes a consistent snapshot of the configured analytics replica
 * (its prices, batch states and the feed position they reflect) to FILE, for `analytics:import` into a
 * new replica (README, "Retention"). Holds the replica's lease while it runs: its replicator must be
 * stopped (embedded: the node, since chDB binds its directory to one process) or standing by.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    console.error('usage: npm run analytics:export -- FILE');
    process.exit(64);
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config, log);
  try {
    const snapshot = await exportReplica(
      { ...stores, log, leaseTtlMs: config.replication.leaseTtlMs },
      path.resolve(file),
    );
    log.info(snapshot, `exported ${snapshot.prices} prices of ${snapshot.batches} batches to ${file}`);
  } finally {
    await closeStores(stores);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
