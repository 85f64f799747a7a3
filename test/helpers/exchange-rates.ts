/**
 * Exchange rates for tests, from the real components: a SQLite operational store on a temporary file
 * holding the given offline rates, and the real ExchangeRateService over it.
 */
import { ExchangeRateService, OfflineRateProvider, type DailyUsdRate } from '../../src/currencies';
import { parseDay, type EpochDay } from '../../src/domain/day';
import type { OperationalStore } from '../../src/stores/operational';
import { openSqliteStore, removeDataDir, temporaryDataDir } from './components';

export interface RatesFixture {
  readonly store: OperationalStore;
  readonly exchangeRates: ExchangeRateService;
  dispose(): Promise<void>;
}

/** `[day, currency, usdPerUnit]` rows as stored rates. */
export function dailyRates(rows: readonly (readonly [string, string, string])[]): DailyUsdRate[] {
  return rows.map(([day, currency, usdPerUnit]) => ({ currency, day: parseDay(day) as EpochDay, usdPerUnit }));
}

/** A fresh SQLite store whose offline table holds exactly `rates`, and the service that reads it. */
export async function offlineRatesFixture(rates: readonly DailyUsdRate[]): Promise<RatesFixture> {
  const dataDir = temporaryDataDir();
  const store = openSqliteStore(dataDir);
  await store.exchangeRates.save('offline', rates, 'test rates');
  return {
    store,
    exchangeRates: new ExchangeRateService(new OfflineRateProvider(store.exchangeRates)),
    async dispose() {
      await store.close();
      removeDataDir(dataDir);
    },
  };
}
