import type { Database, Statement } from 'better-sqlite3';
import type { EpochDay } from '../../../domain/day';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../../domain/exchange-rates';

interface RateRow {
  currency: string;
  day: number;
  usd_per_unit: string;
}

interface CoverageRow {
  currency: string;
  first_day: number;
  last_day: number;
  days: number;
}

/** Rows per INSERT when saving rates (as for prices: one statement call per row costs most of the time). */
const RATES_PER_INSERT = 100;

/** Inserts `rows` rates; a rate already stored is replaced only when it differs (so `changes` counts real changes). */
const saveSql = (rows: number): string =>
  `INSERT INTO exchange_rates (provider, currency, day, usd_per_unit, source)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}
   ON CONFLICT (provider, currency, day) DO UPDATE
     SET usd_per_unit = excluded.usd_per_unit, source = excluded.source
     WHERE usd_per_unit <> excluded.usd_per_unit OR source <> excluded.source`;

/** Exchange rates on SQLite: one table keyed by (provider, currency, day). */
export class SqliteExchangeRates {
  private readonly statements: {
    ratesFor: Statement<[{ provider: string; pairs: string }], RateRow>;
    saveMany: Statement<unknown[]>;
    saveOne: Statement<unknown[]>;
    coverage: Statement<[string], CoverageRow>;
    hasSource: Statement<[string, string], number>;
  };

  constructor(private readonly db: Database) {
    this.statements = {
      // The asked pairs arrive as one JSON array of [currency, day]: one statement for any number of them.
      ratesFor: db.prepare(
        `SELECT r.currency, r.day, r.usd_per_unit
           FROM (SELECT DISTINCT value ->> 0 AS currency, value ->> 1 AS day FROM json_each(@pairs)) AS asked
           JOIN exchange_rates AS r
             ON r.provider = @provider AND r.currency = asked.currency AND r.day = asked.day`,
      ),
      saveMany: db.prepare(saveSql(RATES_PER_INSERT)),
      saveOne: db.prepare(saveSql(1)),
      coverage: db.prepare(
        `SELECT currency, min(day) AS first_day, max(day) AS last_day, count(*) AS days
           FROM exchange_rates WHERE provider = ? GROUP BY currency ORDER BY currency`,
      ),
      hasSource: db
        .prepare<[string, string], number>('SELECT 1 FROM exchange_rates WHERE provider = ? AND source = ? LIMIT 1')
        .pluck(),
    };
  }

  ratesFor(provider: ExchangeRateProviderName, pairs: readonly CurrencyDay[]): (string | undefined)[] {
    if (pairs.length === 0) return [];
    const rows = this.statements.ratesFor.all({
      provider,
      pairs: JSON.stringify(pairs.map((p) => [p.currency, p.day])),
    });
    const found = new Map(rows.map((r) => [`${r.currency} ${r.day}`, r.usd_per_unit]));
    return pairs.map((p) => found.get(`${p.currency} ${p.day}`));
  }

  /**
   * In one transaction, RATES_PER_INSERT rows per statement (then one at a time for the rest), in key
   * order: a table sorted by day inserted as it comes took 2.5 times as long (measured, 57,000 rates).
   */
  save(provider: ExchangeRateProviderName, unsorted: readonly DailyUsdRate[], source: string): number {
    const rates = [...unsorted].sort((a, b) =>
      a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.day - b.day,
    );
    return this.db.transaction(() => {
      let changed = 0;
      const values: unknown[] = [];
      const add = (r: DailyUsdRate) => values.push(provider, r.currency, r.day, r.usdPerUnit, source);
      const whole = rates.length - (rates.length % RATES_PER_INSERT);
      for (let start = 0; start < whole; start += RATES_PER_INSERT) {
        values.length = 0;
        for (let i = start; i < start + RATES_PER_INSERT; i += 1) add(rates[i] as DailyUsdRate);
        changed += this.statements.saveMany.run(values).changes;
      }
      for (let i = whole; i < rates.length; i += 1) {
        values.length = 0;
        add(rates[i] as DailyUsdRate);
        changed += this.statements.saveOne.run(values).changes;
      }
      return changed;
    })();
  }

  coverage(provider: ExchangeRateProviderName): CurrencyCoverage[] {
    return this.statements.coverage.all(provider).map((r) => ({
      currency: r.currency,
      firstDay: r.first_day as EpochDay,
      lastDay: r.last_day as EpochDay,
      days: r.days,
    }));
  }

  hasSource(provider: ExchangeRateProviderName, source: string): boolean {
    return this.statements.hasSource.get(provider, source) === 1;
  }
}
