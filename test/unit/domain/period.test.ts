import { formatDay, parseDay, type EpochDay } from '../../../src/domain/day';
import { nextPeriodStart, periodStart, periodStarts, type Granularity } from '../../../src/domain/period';

const day = (text: string): EpochDay => parseDay(text)!;
const start = (text: string, granularity: Granularity): string => formatDay(periodStart(day(text), granularity));

describe('calendar periods', () => {
  it.each([
    ['2016-01-04', '2016-01-04'], // a Monday
    ['2016-01-06', '2016-01-04'],
    ['2016-01-10', '2016-01-04'], // a Sunday ends the ISO week
    ['2016-01-01', '2015-12-28'], // a Friday: its week started in the previous year
    ['1970-01-01', '1969-12-29'],
    ['2024-02-29', '2024-02-26'],
  ])('the ISO week of %s starts on Monday %s', (text, monday) => {
    expect(start(text, 'WEEK')).toBe(monday);
  });

  it.each([
    ['2016-01-31', 'MONTH', '2016-01-01'],
    ['2016-02-29', 'MONTH', '2016-02-01'],
    ['2016-03-31', 'QUARTER', '2016-01-01'],
    ['2016-04-01', 'QUARTER', '2016-04-01'],
    ['2016-09-30', 'QUARTER', '2016-07-01'],
    ['2016-12-31', 'QUARTER', '2016-10-01'],
    ['2016-12-31', 'YEAR', '2016-01-01'],
    ['2016-07-15', 'DAY', '2016-07-15'],
  ] as const)('%s in a %s starting %s', (text, granularity, expected) => {
    expect(start(text, granularity)).toBe(expected);
  });

  it.each([
    ['2016-01-04', 'WEEK', '2016-01-11'],
    ['2016-12-01', 'MONTH', '2017-01-01'],
    ['2016-10-01', 'QUARTER', '2017-01-01'],
    ['2016-01-01', 'YEAR', '2017-01-01'],
  ] as const)('after the %s %s comes %s', (text, granularity, expected) => {
    expect(formatDay(nextPeriodStart(day(text), granularity))).toBe(expected);
  });

  it('lists every period overlapping a range, including a first one that starts before it', () => {
    expect(periodStarts(day('2016-01-06'), day('2016-01-18'), 'WEEK').map(formatDay)).toEqual([
      '2016-01-04',
      '2016-01-11',
      '2016-01-18',
    ]);
    expect(periodStarts(day('2015-11-15'), day('2016-02-01'), 'QUARTER').map(formatDay)).toEqual([
      '2015-10-01',
      '2016-01-01',
    ]);
    expect(periodStarts(day('2016-01-01'), day('2016-01-01'), 'YEAR').map(formatDay)).toEqual(['2016-01-01']);
  });
});
