/**
 * A calendar day (no time, no zone) as a count of days since 1970-01-01. Ranges of days are walked
 * in integers, which keeps filling a ten-year range cheap on the request path.
 *
 * Parsing and formatting are integer arithmetic: a date library's format parser cost more per request
 * than everything else in the rates service together (measured with the benchmark's CPU profile).
 */
export type EpochDay = number & { readonly __brand: 'EpochDay' };

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses a strict `YYYY-MM-DD` calendar day; undefined for anything else (including 2016-02-30). */
export function parseDay(text: string): EpochDay | undefined {
  const match = DAY_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return undefined;
  const monthLength = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > monthLength) return undefined;
  return daysFromCivil(year, month, day);
}

/**
 * Howard Hinnant's days_from_civil, integer arithmetic only: batches parse a day per price, and a Date
 * object per day cost more than all other checks of an item together (measured).
 */
function daysFromCivil(year: number, month: number, day: number): EpochDay {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return (era * 146_097 + dayOfEra - 719_468) as EpochDay;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * `YYYY-MM-DD` for a day, by integer arithmetic (Howard Hinnant's civil_from_days): a rates answer
 * formats every day of its range, and a Date object per day showed up in the profile.
 */
export function formatDay(day: EpochDay): string {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(dayOfMonth)}`;
}

export function addDays(day: EpochDay, days: number): EpochDay {
  return (day + days) as EpochDay;
}

/** Number of days from `from` to `to`, both included. */
export function daysInRange(from: EpochDay, to: EpochDay): number {
  return to - from + 1;
}
