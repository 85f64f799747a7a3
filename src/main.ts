import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { startRateline } from './app/rateline';
import { createLogger } from './logging/logger';
import { startTracing } from './tracing';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const tracing = startTracing(config.tracing, 'rateline-api');
  const service = await startRateline(config, log, tracing?.tracer);
  closeOnSignals(
    log,
    async () => {
      await service.close();
      await tracing?.shutdown();
    },
    config.shutdownGraceMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
