import 'reflect-metadata';
import path from 'node:path';
import { closeStores, openStores, type Stores } from '../src/app/rateline';
import { loadConfig, type Config } from '../src/config';
import { createLogger, type Logger } from '../src/logging/logger';

/**
 * A command that takes one FILE argument and works on the configured stores: checks its arguments
 * (usage and exit 64 otherwise), opens the stores, runs, closes them; a failure prints its message and
 * exits 1.
 */
export function runFileCommand(
  usage: string,
  run: (stores: Stores, file: string, context: { readonly config: Config; readonly log: Logger }) => Promise<void>,
): void {
  const main = async (): Promise<void> => {
    const file = process.argv[2];
    if (!file || process.argv.length > 3) {
      console.error(`usage: ${usage}`);
      process.exit(64);
    }
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const stores = await openStores(config, log);
    try {
      await run(stores, path.resolve(file), { config, log });
    } finally {
      await closeStores(stores);
    }
  };
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
