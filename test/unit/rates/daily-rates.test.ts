import { parseDay, type EpochDay } from '../../../src/domain/day';
import { dailyRatesFrom, minPricesArgument, someDayHasEnoughPrices } from '../../../src/rates/daily-rates';

const day = (text: string): EpochDay => parseDay(text) as EpochDay;
const total = (text: string, priceCount: number, totalUsdCents: number) => ({
  day: day(text),
  priceCount,
  totalUsdCents,
});

describe('dailyRatesFrom', () => {
  it('answers every day of the range once, ascending, with a count of 0 for days without prices', () => {
    const totals = [total('2016-01-05', 4, 480_000), total('2016-01-01', 3, 300_000), total('2016-01-03', 3, 330_000)];
    expect(dailyRatesFrom(totals, day('2016-01-01'), day('2016-01-05'), 3)).toEqual([
      { day: '2016-01-01', priceCount: 3, meanUsdCents: 100_000 },
      { day: '2016-01-02', priceCount: 0, meanUsdCents: null },
      { day: '2016-01-03', priceCount: 3, meanUsdCents: 110_000 },
      { day: '2016-01-04', priceCount: 0, meanUsdCents: null },
      { day: '2016-01-05', priceCount: 4, meanUsdCents: 120_000 },
    ]);
  });

  it('fills a range without any price, across a year end and through a leap day', () => {
    expect(dailyRatesFrom([], day('2015-12-30'), day('2016-01-02'), 3).map((d) => d.day)).toEqual([
      '2015-12-30',
      '2015-12-31',
      '2016-01-01',
      '2016-01-02',
    ]);
    expect(dailyRatesFrom([], day('2016-02-28'), day('2016-03-01'), 3)).toEqual([
      { day: '2016-02-28', priceCount: 0, meanUsdCents: null },
      { day: '2016-02-29', priceCount: 0, meanUsdCents: null },
      { day: '2016-03-01', priceCount: 0, meanUsdCents: null },
    ]);
  });

  it('answers one day for a range of one day', () => {
    expect(dailyRatesFrom([total('2016-01-15', 5, 500)], day('2016-01-15'), day('2016-01-15'), 3)).toEqual([
      { day: '2016-01-15', priceCount: 5, meanUsdCents: 100 },
    ]);
  });

  it('gives a null average below minPrices and always the count', () => {
    const totals = [total('2016-01-01', 1, 90_000), total('2016-01-02', 2, 200_000), total('2016-01-03', 3, 360_000)];
    const range = [day('2016-01-01'), day('2016-01-03')] as const;
    expect(dailyRatesFrom(totals, ...range, 3)).toEqual([
      { day: '2016-01-01', priceCount: 1, meanUsdCents: null },
      { day: '2016-01-02', priceCount: 2, meanUsdCents: null },
      { day: '2016-01-03', priceCount: 3, meanUsdCents: 120_000 },
    ]);
    expect(dailyRatesFrom(totals, ...range, 1)).toEqual([
      { day: '2016-01-01', priceCount: 1, meanUsdCents: 90_000 },
      { day: '2016-01-02', priceCount: 2, meanUsdCents: 100_000 },
      { day: '2016-01-03', priceCount: 3, meanUsdCents: 120_000 },
    ]);
    expect(dailyRatesFrom(totals, ...range, 4).map((d) => [d.priceCount, d.meanUsdCents])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
  });

  it('keeps the mean unrounded, in cents', () => {
    const [rate] = dailyRatesFrom([total('2016-01-01', 3, 100)], day('2016-01-01'), day('2016-01-01'), 3);
    expect(rate!.meanUsdCents).toBeCloseTo(33.333_333, 6);
  });
});

describe('someDayHasEnoughPrices', () => {
  const totals = [total('2016-01-01', 2, 200), total('2016-01-02', 4, 400)];

  it('is true once one day reaches minPrices', () => {
    expect(someDayHasEnoughPrices(totals, 4)).toBe(true);
    expect(someDayHasEnoughPrices(totals, 2)).toBe(true);
  });

  it('is false when every day is below it, or there are no prices at all', () => {
    expect(someDayHasEnoughPrices(totals, 5)).toBe(false);
    expect(someDayHasEnoughPrices([], 1)).toBe(false);
  });
});

describe('minPricesArgument', () => {
  it('defaults to 3 and keeps a whole number of at least 1', () => {
    expect(minPricesArgument(undefined)).toBe(3);
    expect(minPricesArgument(1)).toBe(1);
    expect(minPricesArgument(25)).toBe(25);
  });

  it.each([0, -3, 2.5])('refuses %p with BAD_USER_INPUT naming minPrices', (minPrices) => {
    expect(() => minPricesArgument(minPrices)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        field: 'minPrices',
        value: minPrices,
        message: 'minPrices must be a whole number of at least 1',
      }),
    );
  });
});
