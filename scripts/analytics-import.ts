import { importReplica } from '../src/replication';
import { runFileCommand } from './store-command';

/**
 * `npm run analytics:import -- FILE`: loads an `analytics:export` file into the configured analytics
 * replica, which must not follow a feed yet (a new, empty one); its replicator then follows the feed
 * from the position the file reflects (README, "Retention"). Run it with the node stopped.
 */
runFileCommand('npm run analytics:import -- FILE', async (stores, file, { log }) => {
  const snapshot = await importReplica(stores, file);
  log.info(snapshot, `imported ${snapshot.prices} prices of ${snapshot.batches} batches from ${file}`);
});
