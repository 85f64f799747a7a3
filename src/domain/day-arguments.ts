import { daysInRange, parseDay, type EpochDay } from './day';
import { badUserInput } from './errors';

/** The one wording of a bad day, wherever a client sends one (arguments, query parameters, batch items). */
export const CALENDAR_DAY_RULE = 'must be a calendar day written YYYY-MM-DD';

/** A day argument, parsed; BAD_USER_INPUT naming `field` (as the client spelled it) otherwise. */
export function dayArgument(field: string, text: string): EpochDay {
  const day = parseDay(text);
  if (day === undefined) throw badUserInput(field, text, `${field} ${CALENDAR_DAY_RULE}`);
  return day;
}

/** The longest range a call accepts, and the setting that says so (named in the error). */
export interface DayRangeLimit {
  readonly maxDays: number;
  readonly setting: string;
}

/**
 * `dateFrom`..`dateTo`, both included: real days, in order, at most `limit.maxDays` of them. An
 * inverted or too long range is blamed on dateTo, the day that would have to change.
 */
export function dayRangeArguments(
  range: { readonly dateFrom: string; readonly dateTo: string },
  limit: DayRangeLimit,
): { readonly from: EpochDay; readonly to: EpochDay } {
  const from = dayArgument('dateFrom', range.dateFrom);
  const to = dayArgument('dateTo', range.dateTo);
  if (from > to) throw badUserInput('dateTo', range.dateTo, `dateTo must not be before dateFrom (${range.dateFrom})`);
  const days = daysInRange(from, to);
  if (days > limit.maxDays) {
    throw badUserInput(
      'dateTo',
      range.dateTo,
      `dateFrom to dateTo covers ${days} days; at most ${limit.maxDays} are allowed (${limit.setting})`,
    );
  }
  return { from, to };
}
