import type { Logger } from 'pino';
import type { ExchangeRateTable } from '../stores/operational';
import { readExchangeRateFile, readExchangeRateFileIf, shippedExchangeRatesFile } from './rate-file';

export interface RateLoadReport {
  readonly source: string;
  /** Rates in the file (0 when the shipped table was found loaded and not read). */
  readonly rates: number;
  /** Rates new to the store or different from what it held. */
  readonly written: number;
}

/**
 * Loads a rates file (see {@link readExchangeRateFile}) into the store's offline table: a rate for a
 * (currency, day) already there is replaced, so the last load wins. The whole file is checked first.
 */
export async function importExchangeRates(table: ExchangeRateTable, file: string): Promise<RateLoadReport> {
  const { rates, source } = readExchangeRateFile(file);
  const written = await table.save('offline', rates, source);
  return { source, rates: rates.length, written };
}

/**
 * Loads the shipped table unless this very content (its file name and hash) was loaded before: cheap
 * on every start, and a new shipped table is loaded once.
 */
export async function loadShippedExchangeRates(table: ExchangeRateTable, log: Logger): Promise<RateLoadReport> {
  const file = await readExchangeRateFileIf(
    shippedExchangeRatesFile(),
    async (source) => !(await table.hasRatesFrom('offline', source)),
  );
  if (file.rates === undefined) return { source: file.source, rates: 0, written: 0 };
  const written = await table.save('offline', file.rates, file.source);
  log.info({ source: file.source, rates: file.rates.length, written }, 'loaded the shipped exchange rates table');
  return { source: file.source, rates: file.rates.length, written };
}
