import { ConfigError, loadConfig, type Config } from '../config';
import type { Logger } from '../logging/logger';

/** EX_CONFIG from sysexits.h: supervisors can tell a bad setting from a crash. */
const EXIT_BAD_CONFIG = 78;

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return process.exit(EXIT_BAD_CONFIG);
  }
}

/** On SIGTERM or SIGINT: runs `close` once, then exits 0 (1 if closing failed). */
export function closeOnSignals(log: Logger, close: () => Promise<void>): void {
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: finishing work in flight');
    close().then(
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
