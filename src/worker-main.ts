import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { createBatchWorker, createExchangeRateService, createRetentionJob, openOperationalStore } from './app/rateline';
import { createLogger } from './logging/logger';
import { Readiness } from './observability/health';
import { observeBatchQueue } from './observability/metrics';
import { startOperationsServer } from './observability/operations-server';
import { startTracing } from './tracing';

/**
 * `npm run worker`: a batch worker on its own, for shapes where the API runs with
 * WORKER_IN_PROCESS=false or where more workers are wanted. It needs only the operational store; any
 * number may run, and leases give each committed batch to one of them. With OPERATIONAL_RETENTION set
 * it also runs retention (src/retention), which any number of workers may run at once. With METRICS_PORT set it serves
 * /livez, /readyz (the operational store answers) and /metrics (the batch queue's depth among them) there.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const tracing = startTracing(config.tracing, 'rateline-worker');
  const operational = await openOperationalStore(config, log, tracing?.tracer);
  const exchangeRates = createExchangeRateService(config, operational.exchangeRates);
  const worker = createBatchWorker(config, operational, exchangeRates, log, tracing?.tracer);
  const retention = createRetentionJob(config, operational, log);
  const stopObservingBatchQueue = observeBatchQueue(operational.batchWork);
  const readiness = new Readiness(
    [{ name: 'operational', check: () => operational.checkAvailable() }],
    config.operations.readinessTimeoutMs,
  );
  const operations =
    config.operations.metricsPort === undefined
      ? undefined
      : await startOperationsServer(config.host, config.operations.metricsPort, readiness, log);
  worker.start();
  retention?.start();
  log.info(
    { operational: config.mongodb ? 'MongoDB' : 'embedded SQLite', retention: config.retention ? 'on' : 'off' },
    'batch worker started',
  );
  closeOnSignals(
    log,
    async () => {
      readiness.beginShutdown();
      stopObservingBatchQueue();
      await Promise.all([worker.stop(), retention?.stop()]);
      await operations?.close();
      await operational.close();
      await tracing?.shutdown();
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
