import { parseDay } from '../../../src/domain/day';
import { dayArgument, dayRangeArguments } from '../../../src/domain/day-arguments';

const LIMIT = { maxDays: 31, setting: 'MAX_RATES_RANGE_DAYS' };

describe('dayArgument', () => {
  it('parses a calendar day', () => {
    expect(dayArgument('day', '2016-02-29')).toBe(parseDay('2016-02-29'));
  });

  it.each(['2016-1-1', '2016-02-30', '2015-02-29', 'tomorrow', ''])(
    'refuses %p in the one wording, naming the field as given',
    (text) => {
      expect(() => dayArgument('date_from', text)).toThrow(
        expect.objectContaining({
          code: 'BAD_USER_INPUT',
          field: 'date_from',
          value: text,
          message: 'date_from must be a calendar day written YYYY-MM-DD',
        }),
      );
    },
  );
});

describe('dayRangeArguments', () => {
  it('answers both ends of a range in order, up to the limit', () => {
    expect(dayRangeArguments({ dateFrom: '2016-01-01', dateTo: '2016-01-31' }, LIMIT)).toEqual({
      from: parseDay('2016-01-01'),
      to: parseDay('2016-01-31'),
    });
    expect(dayRangeArguments({ dateFrom: '2016-01-01', dateTo: '2016-01-01' }, LIMIT)).toEqual({
      from: parseDay('2016-01-01'),
      to: parseDay('2016-01-01'),
    });
  });

  it.each([
    [
      { dateFrom: '2016-13-01', dateTo: '2016-01-31' },
      'dateFrom',
      '2016-13-01',
      'dateFrom must be a calendar day written YYYY-MM-DD',
    ],
    [
      { dateFrom: '2016-01-01', dateTo: '31.01.2016' },
      'dateTo',
      '31.01.2016',
      'dateTo must be a calendar day written YYYY-MM-DD',
    ],
    [
      { dateFrom: '2016-01-10', dateTo: '2016-01-09' },
      'dateTo',
      '2016-01-09',
      'dateTo must not be before dateFrom (2016-01-10)',
    ],
    [
      { dateFrom: '2016-01-01', dateTo: '2016-02-01' },
      'dateTo',
      '2016-02-01',
      'dateFrom to dateTo covers 32 days; at most 31 are allowed (MAX_RATES_RANGE_DAYS)',
    ],
  ])('refuses %p with BAD_USER_INPUT on %s', (range, field, value, message) => {
    expect(() => dayRangeArguments(range, LIMIT)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field, value, message }),
    );
  });

  it('checks dateFrom before dateTo', () => {
    expect(() => dayRangeArguments({ dateFrom: 'x', dateTo: 'y' }, LIMIT)).toThrow(
      expect.objectContaining({ field: 'dateFrom' }),
    );
  });
});
