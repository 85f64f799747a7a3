import { DateTime } from 'luxon';

/**
 * A calendar day (no time, no zone) as a count of days since 1970-01-01. Ranges of days are walked
 * in integers: it keeps filling a ten-year range out of the hot path's way.
 */
export type EpochDay = number & { readonly __brand: 'EpochDay' };

const MS_PER_DAY = 86_400_000;

/** Parses a strict `YYYY-MM-DD` calendar day; undefined for anything else (including 2016-02-30). */
export function parseDay(text: string): EpochDay | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const parsed = DateTime.fromFormat(text, 'yyyy-MM-dd', { zone: 'utc' });
  return parsed.isValid ? (Math.round(parsed.toMillis() / MS_PER_DAY) as EpochDay) : undefined;
}

export function formatDay(day: EpochDay): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(day: EpochDay, days: number): EpochDay {
  return (day + days) as EpochDay;
}

/** Number of days from `from` to `to`, both included. */
export function daysInRange(from: EpochDay, to: EpochDay): number {
  return to - from + 1;
}
