import type { EpochDay } from './day';

/**
 * How a series groups days: calendar periods in UTC. Weeks are ISO weeks (Monday to Sunday); months,
 * quarters and years start on their first calendar day.
 */
export type Granularity = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';

export const GRANULARITIES: readonly Granularity[] = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];

const MS_PER_DAY = 86_400_000;

/** 1970-01-01 was a Thursday: three days after the Monday that starts its ISO week. */
const DAYS_FROM_MONDAY_AT_EPOCH = 3;

function utcDate(day: EpochDay): Date {
  return new Date(day * MS_PER_DAY);
}

function epochDay(year: number, monthIndex: number, dayOfMonth: number): EpochDay {
  const date = new Date(0);
  // setUTCFullYear takes years 0-99 literally, as parseDay does; months past 11 roll into the next year.
  date.setUTCFullYear(year, monthIndex, dayOfMonth);
  return (date.getTime() / MS_PER_DAY) as EpochDay;
}

/** The first day of the period that holds `day`. */
export function periodStart(day: EpochDay, granularity: Granularity): EpochDay {
  switch (granularity) {
    case 'DAY':
      return day;
    case 'WEEK': {
      const sinceMonday = (((day + DAYS_FROM_MONDAY_AT_EPOCH) % 7) + 7) % 7;
      return (day - sinceMonday) as EpochDay;
    }
    case 'MONTH': {
      const d = utcDate(day);
      return epochDay(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'QUARTER': {
      const d = utcDate(day);
      return epochDay(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3), 1);
    }
    case 'YEAR':
      return epochDay(utcDate(day).getUTCFullYear(), 0, 1);
  }
}

/** The first day of the period after the one starting at `start` (which must be a period start). */
export function nextPeriodStart(start: EpochDay, granularity: Granularity): EpochDay {
  switch (granularity) {
    case 'DAY':
      return (start + 1) as EpochDay;
    case 'WEEK':
      return (start + 7) as EpochDay;
    case 'MONTH':
    case 'QUARTER':
    case 'YEAR': {
      const d = utcDate(start);
      const months = granularity === 'MONTH' ? 1 : granularity === 'QUARTER' ? 3 : 12;
      return epochDay(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
    }
  }
}

/** Start of every period that overlaps `from`..`to`, ascending. */
export function periodStarts(from: EpochDay, to: EpochDay, granularity: Granularity): EpochDay[] {
  const starts: EpochDay[] = [];
  for (let start = periodStart(from, granularity); start <= to; start = nextPeriodStart(start, granularity)) {
    starts.push(start);
  }
  return starts;
}
