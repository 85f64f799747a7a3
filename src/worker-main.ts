import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { createBatchWorker, openOperationalStore } from './app/rateline';
import { createLogger } from './logging/logger';

/**
 * `npm run worker`: a batch worker on its own, for shapes where the API runs with
 * WORKER_IN_PROCESS=false or where more workers are wanted. It needs only the operational store; any
 * number may run, and leases give each committed batch to one of them.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const operational = await openOperationalStore(config, log);
  const worker = createBatchWorker(config, operational, log);
  worker.start();
  log.info({ operational: config.mongodb ? 'MongoDB' : 'embedded SQLite' }, 'batch worker started');
  closeOnSignals(
    log,
    async () => {
      await worker.stop();
      await operational.close();
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
