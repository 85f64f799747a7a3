import 'reflect-metadata';
import { startRateline } from './app/rateline';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './logging/logger';

/** EX_CONFIG from sysexits.h: supervisors can tell a bad setting from a crash. */
const EXIT_BAD_CONFIG = 78;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return process.exit(EXIT_BAD_CONFIG);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger(config.logLevel);
  const service = await startRateline(config, log);
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: finishing requests in flight');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
