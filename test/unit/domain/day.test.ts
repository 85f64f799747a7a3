import { addDays, daysInRange, formatDay, parseDay, type EpochDay } from '../../../src/domain/day';

describe('calendar days', () => {
  it.each(['2016-01-01', '2016-02-29', '1999-12-31', '2038-01-19', '0001-01-01', '0000-02-29', '9999-12-31'])(
    'round-trips %s',
    (text) => {
      expect(formatDay(parseDay(text)!)).toBe(text);
    },
  );

  it.each([
    '2015-02-29',
    '2016-02-30',
    '2016-13-01',
    '2016-00-10',
    '2016-1-1',
    '16-01-01',
    '2016-01-01T00:00',
    ' 2016-01-01',
    '',
  ])('rejects %j', (text) => {
    expect(parseDay(text)).toBeUndefined();
  });

  it('counts days across a leap day and a year end, both ends included', () => {
    expect(daysInRange(parseDay('2016-02-28')!, parseDay('2016-03-01')!)).toBe(3);
    expect(daysInRange(parseDay('2015-12-31')!, parseDay('2016-01-01')!)).toBe(2);
    expect(daysInRange(parseDay('2016-01-01')!, parseDay('2016-12-31')!)).toBe(366);
  });

  it('steps by whole days', () => {
    expect(formatDay(addDays(parseDay('2016-12-31')!, 1))).toBe('2017-01-01');
    expect(formatDay(addDays(0 as EpochDay, -1))).toBe('1969-12-31');
  });
});

describe('formatDay', () => {
  it('agrees with the platform calendar on every day from 1600 to 2400', () => {
    const mismatches: string[] = [];
    for (let day = -135_140; day <= 157_054; day++) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      const formatted = formatDay(day as EpochDay);
      if (formatted !== expected) mismatches.push(`${day}: ${formatted} ≠ ${expected}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
