import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { EpochDay } from '../../../domain/day';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../../domain/exchange-rates';
import type { ExchangeRateTable } from '../ports';
import { exchangeRateDayId, type ExchangeRateDayDocument } from './documents';
import { onlyDuplicateKeys } from './errors';

/** Days per read and per bulkWrite when saving exchange rates (the shipped table has about 1,800). */
const EXCHANGE_RATE_DAYS_PER_WRITE = 1_000;

/** Exchange rates as one document per provider and day, every currency of the day in it. */
export class MongoExchangeRates implements ExchangeRateTable {
  constructor(private readonly days: Collection<ExchangeRateDayDocument>) {}

  async ratesFor(provider: ExchangeRateProviderName, pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]> {
    if (pairs.length === 0) return [];
    const ids = [...new Set(pairs.map((p) => exchangeRateDayId(provider, p.day)))];
    const days = new Map<number, Record<string, string>>();
    for (let start = 0; start < ids.length; start += EXCHANGE_RATE_DAYS_PER_WRITE) {
      const found = await this.days
        .find(
          { _id: { $in: ids.slice(start, start + EXCHANGE_RATE_DAYS_PER_WRITE) } },
          { projection: { day: 1, rates: 1 } },
        )
        .toArray();
      for (const doc of found) days.set(doc.day, doc.rates);
    }
    return pairs.map((p) => days.get(p.day)?.[p.currency]);
  }

  /**
   * Groups the rates by day, reads those days, inserts the new days and `$set`s the currencies whose
   * rate or source differs on the others: saving the same rates again writes nothing.
   * Answers how many rates were new or changed. Two processes saving the same day at once both write
   * their rates; `sourceNames` is recomputed from what each read, so it may keep a name whose rates
   * were all replaced concurrently (it only decides whether the shipped table is loaded again).
   */
  async save(provider: ExchangeRateProviderName, rates: readonly DailyUsdRate[], source: string): Promise<number> {
    const byDay = new Map<number, DailyUsdRate[]>();
    for (const rate of rates) {
      const list = byDay.get(rate.day);
      if (list) list.push(rate);
      else byDay.set(rate.day, [rate]);
    }
    const days = [...byDay.keys()];
    let changed = 0;
    for (let start = 0; start < days.length; start += EXCHANGE_RATE_DAYS_PER_WRITE) {
      const chunk = days.slice(start, start + EXCHANGE_RATE_DAYS_PER_WRITE);
      const stored = new Map(
        (
          await this.days
            .find({ _id: { $in: chunk.map((day) => exchangeRateDayId(provider, day as EpochDay)) } })
            .toArray()
        ).map((doc) => [doc.day, doc]),
      );
      const inserts: ExchangeRateDayDocument[] = [];
      const updates: AnyBulkWriteOperation<ExchangeRateDayDocument>[] = [];
      for (const day of chunk) {
        const before = stored.get(day);
        const set: Record<string, string> = {};
        const doc: ExchangeRateDayDocument = {
          _id: exchangeRateDayId(provider, day as EpochDay),
          provider,
          day,
          rates: { ...before?.rates },
          sources: { ...before?.sources },
          sourceNames: [],
        };
        for (const rate of byDay.get(day) ?? []) {
          if (before?.rates[rate.currency] === rate.usdPerUnit && before.sources[rate.currency] === source) continue;
          set[`rates.${rate.currency}`] = doc.rates[rate.currency] = rate.usdPerUnit;
          set[`sources.${rate.currency}`] = doc.sources[rate.currency] = source;
          changed += 1;
        }
        doc.sourceNames = [...new Set(Object.values(doc.sources))].sort();
        // A new day is inserted whole: on FerretDB an upsert scans for its filter, and 1,800 of them took
        // a minute; inserts take seconds.
        if (!before) inserts.push(doc);
        else if (Object.keys(set).length > 0) {
          updates.push({
            updateOne: { filter: { _id: doc._id }, update: { $set: { ...set, sourceNames: doc.sourceNames } } },
          });
        }
      }
      if (inserts.length > 0) {
        try {
          await this.days.insertMany(inserts, { ordered: false });
        } catch (error) {
          // Another process inserted some of these days meanwhile (the same table): theirs stand.
          if (!onlyDuplicateKeys(error)) throw error;
        }
      }
      if (updates.length > 0) await this.days.bulkWrite(updates, { ordered: false });
    }
    return changed;
  }

  /** Per currency, from every day document of the provider (a few thousand at most; callers cache it). */
  async coverage(provider: ExchangeRateProviderName): Promise<CurrencyCoverage[]> {
    const coverage = new Map<string, { firstDay: number; lastDay: number; days: number }>();
    const cursor = this.days.find({ provider }, { projection: { day: 1, rates: 1 } });
    for await (const doc of cursor) {
      for (const currency of Object.keys(doc.rates)) {
        const seen = coverage.get(currency);
        if (!seen) coverage.set(currency, { firstDay: doc.day, lastDay: doc.day, days: 1 });
        else {
          seen.firstDay = Math.min(seen.firstDay, doc.day);
          seen.lastDay = Math.max(seen.lastDay, doc.day);
          seen.days += 1;
        }
      }
    }
    return [...coverage]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, c]) => ({
        currency,
        firstDay: c.firstDay as EpochDay,
        lastDay: c.lastDay as EpochDay,
        days: c.days,
      }));
  }

  async hasRatesFrom(provider: ExchangeRateProviderName, source: string): Promise<boolean> {
    return (await this.days.findOne({ provider, sourceNames: source }, { projection: { _id: 1 } })) !== null;
  }
}
