import 'reflect-metadata';
import { closeOnSignals, configOrExit } from './app/process';
import { startRateline } from './app/rateline';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const service = await startRateline(config, log);
  closeOnSignals(log, () => service.close(), config.shutdownGraceMs);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
