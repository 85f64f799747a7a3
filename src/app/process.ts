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

/**
 * The graceful shutdown of every Rateline process: on SIGTERM or SIGINT runs `close` once and exits 0
 * (1 if closing failed). A second signal, or `graceMs` passing first, exits at once with 1: nothing
 * acknowledged is lost that way (an acknowledged write is already durable; leased work is resumed by
 * another worker once its lease runs out; the replicator resumes from its stored checkpoint), only
 * requests still in flight are cut, and their clients retry them with the same idempotency key.
 */
export function closeOnSignals(log: Logger, close: () => Promise<void>, graceMs: number): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal, graceMs }, 'shutting down: finishing work in flight');
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period over: exiting now');
      process.exit(1);
    }, graceMs).unref();
    close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
