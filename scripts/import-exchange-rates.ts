import 'reflect-metadata';
import path from 'node:path';
import { closeStores, openStores } from '../src/app/rateline';
import { loadConfig } from '../src/config';
import { importExchangeRates } from '../src/currencies';
import { createLogger } from '../src/logging/logger';

/**
 * `npm run rates:import FILE`: loads a file of daily rates (`day,currency,usd_per_unit`, see README,
 * "Prices in other currencies") into the configured operational store's offline table. The whole file
 * is checked first; a rate for a (currency, day) already stored is replaced. Every process sharing the
 * store uses the new rates within seconds (the set of currencies is re-read every 10 s).
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    console.error('usage: npm run rates:import FILE   (CSV: day,currency,usd_per_unit)');
    process.exit(64);
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stores = await openStores(config, log);
  try {
    const report = await importExchangeRates(stores.operational.exchangeRates, path.resolve(file));
    log.info(report, `imported ${report.rates} exchange rates (${report.written} new or changed) from ${file}`);
  } finally {
    await closeStores(stores);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
