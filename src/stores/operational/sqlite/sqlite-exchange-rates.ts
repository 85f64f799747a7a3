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

/** Exchange rates on SQLite: one table keyed by (provider, currency, day). */
export class SqliteExchangeRates {
  private readonly statements: {
    ratesFor: Statement<[{ provider: string; pairs: string }], RateRow>;
    save: Statement<[{ provider: string; currency: string; day: number; usd_per_unit: string; source: string }]>;
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
      save: db.prepare(
        `INSERT INTO exchange_rates (provider, currency, day, usd_per_unit, source)
         VALUES (@provider, @currency, @day, @usd_per_unit, @source)
         ON CONFLICT (provider, currency, day) DO UPDATE
           SET usd_per_unit = excluded.usd_per_unit, source = excluded.source
           WHERE usd_per_unit <> excluded.usd_per_unit OR source <> excluded.source`,
      ),
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

  save(provider: ExchangeRateProviderName, rates: readonly DailyUsdRate[], source: string): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const rate of rates) {
        changed += this.statements.save.run({
          provider,
          currency: rate.currency,
          day: rate.day,
          usd_per_unit: rate.usdPerUnit,
          source,
        }).changes;
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
