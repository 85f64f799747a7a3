import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { createBatchWorker, createExchangeRateService, openOperationalStore } from './app/rateline';
import { createLogger } from './logging/logger';
import { Readiness } from './observability/health';
import { startOperationsServer } from './observability/operations-server';

/**
 * `npm run worker`: a batch worker on its own, for shapes where the API runs with
 * WORKER_IN_PROCESS=false or where more workers are wanted. It needs only the operational store; any
 * number may run, and leases give each committed batch to one of them. With METRICS_PORT set it serves
 * /livez, /readyz (the operational store answers) and /metrics there.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const operational = await openOperationalStore(config, log);
  const exchangeRates = createExchangeRateService(config, operational.exchangeRates);
  const worker = createBatchWorker(config, operational, exchangeRates, log);
  const readiness = new Readiness(
    [{ name: 'operational', check: () => operational.checkAvailable() }],
    config.operations.readinessTimeoutMs,
  );
  const operations =
    config.operations.metricsPort === undefined
      ? undefined
      : await startOperationsServer(config.host, config.operations.metricsPort, readiness, log);
  worker.start();
  log.info({ operational: config.mongodb ? 'MongoDB' : 'embedded SQLite' }, 'batch worker started');
  closeOnSignals(
    log,
    async () => {
      readiness.beginShutdown();
      await worker.stop();
      await operations?.close();
      await operational.close();
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
