import { exportReplica } from '../src/replication';
import { runFileCommand } from './store-command';

/**
 * `npm run analytics:export -- FILE`: writes a consistent snapshot of the configured analytics replica
 * (its prices, batch states and the feed position they reflect) to FILE, for `analytics:import` into a
 * new replica (README, "Retention"). Holds the replica's lease while it runs: its replicator must be
 * stopped (embedded: the node, since chDB binds its directory to one process) or standing by.
 */
runFileCommand('npm run analytics:export -- FILE', async (stores, file, { config, log }) => {
  const snapshot = await exportReplica({ ...stores, log, leaseTtlMs: config.replication.leaseTtlMs }, file);
  log.info(snapshot, `exported ${snapshot.prices} prices of ${snapshot.batches} batches to ${file}`);
});
