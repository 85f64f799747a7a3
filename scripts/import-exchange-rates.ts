import { importExchangeRates } from '../src/currencies';
import { runFileCommand } from './store-command';

/**
 * `npm run rates:import FILE`: loads a file of daily rates (`day,currency,usd_per_unit`, see README,
 * "Prices in other currencies") into the configured operational store's offline table. The whole file
 * is checked first; a rate for a (currency, day) already stored is replaced. Every process sharing the
 * store uses the new rates within seconds (the set of currencies is re-read every 10 s).
 */
runFileCommand('npm run rates:import FILE   (CSV: day,currency,usd_per_unit)', async (stores, file, { log }) => {
  const report = await importExchangeRates(stores.operational.exchangeRates, file);
  log.info(report, `imported ${report.rates} exchange rates (${report.written} new or changed) from ${file}`);
});
