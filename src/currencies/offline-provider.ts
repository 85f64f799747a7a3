import { addDays } from '../domain/day';
import type { ExchangeRateTable } from '../stores/operational';
import type { CurrencyDay, ExchangeRateProvider, ProvidedCurrency } from './provider';

/**
 * How many days back a day without a published rate looks for one. The ECB publishes on TARGET working
 * days only; the longest gap in its table is Easter (Good Friday to Easter Monday), so 4 days carry the
 * Thursday rate over to the Monday, and no gap of the shipped table goes unfilled. A longer gap means
 * the table does not cover the day: RATE_UNAVAILABLE.
 */
export const CARRY_OVER_DAYS = 4;

/**
 * Rates from the operational store's offline table: the shipped ECB table plus anything loaded with
 * `npm run rates:import`. A day without its own rate takes the latest rate of the
 * {@link CARRY_OVER_DAYS} days before it.
 */
export class OfflineRateProvider implements ExchangeRateProvider {
  readonly name = 'offline';

  constructor(private readonly table: ExchangeRateTable) {}

  async usdPerUnit(pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]> {
    const asked: CurrencyDay[] = [];
    for (const { currency, day } of pairs) {
      for (let back = 0; back <= CARRY_OVER_DAYS; back += 1) asked.push({ currency, day: addDays(day, -back) });
    }
    const found = await this.table.ratesFor('offline', asked);
    return pairs.map((_, index) => {
      for (let back = 0; back <= CARRY_OVER_DAYS; back += 1) {
        const rate = found[index * (CARRY_OVER_DAYS + 1) + back];
        if (rate !== undefined) return rate;
      }
      return undefined;
    });
  }

  /** Every currency of the table, from its first to its last stored rate. */
  async currencies(): Promise<ProvidedCurrency[]> {
    const coverage = await this.table.coverage('offline');
    return coverage.map((c) => ({ code: c.currency, firstDay: c.firstDay, lastDay: c.lastDay }));
  }
}
