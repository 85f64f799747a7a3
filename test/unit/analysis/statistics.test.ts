import { laneStatFrom, ratePeriodsFrom } from '../../../src/analysis/statistics';
import { parseDay, type EpochDay } from '../../../src/domain/day';
import type { Granularity } from '../../../src/domain/period';

const day = (text: string): EpochDay => parseDay(text) as EpochDay;

const EMPTY = {
  priceCount: 0,
  meanUsdCents: null,
  minUsdCents: null,
  maxUsdCents: null,
  lowUsdCents: null,
  p25UsdCents: null,
  medianUsdCents: null,
  p75UsdCents: null,
  highUsdCents: null,
  outliersExcluded: 0,
  change: null,
};

describe('ratePeriodsFrom: every period overlapping the range, ascending', () => {
  const cases: [string, Granularity, string, string, string[]][] = [
    ['days', 'DAY', '2016-01-30', '2016-02-02', ['2016-01-30', '2016-01-31', '2016-02-01', '2016-02-02']],
    // 2016-01-01 was a Friday: its ISO week starts on Monday 2015-12-28.
    [
      'ISO weeks from Monday',
      'WEEK',
      '2016-01-01',
      '2016-01-18',
      ['2015-12-28', '2016-01-04', '2016-01-11', '2016-01-18'],
    ],
    ['ISO weeks across a year end', 'WEEK', '2020-12-30', '2021-01-05', ['2020-12-28', '2021-01-04']],
    ['a range within one week', 'WEEK', '2016-01-05', '2016-01-06', ['2016-01-04']],
    ['months', 'MONTH', '2016-01-15', '2016-04-02', ['2016-01-01', '2016-02-01', '2016-03-01', '2016-04-01']],
    ['months through a leap February', 'MONTH', '2016-02-29', '2016-03-01', ['2016-02-01', '2016-03-01']],
    ['quarters', 'QUARTER', '2015-11-20', '2016-07-01', ['2015-10-01', '2016-01-01', '2016-04-01', '2016-07-01']],
    ['years', 'YEAR', '2014-06-01', '2016-01-01', ['2014-01-01', '2015-01-01', '2016-01-01']],
  ];

  it.each(cases)('%s', (_name, granularity, from, to, starts) => {
    expect(ratePeriodsFrom([], day(from), day(to), granularity)).toEqual(
      starts.map((periodStart) => ({ periodStart, ...EMPTY })),
    );
  });
});

describe('ratePeriodsFrom: statistics', () => {
  const counted = {
    periodStart: day('2016-01-04'),
    priceCount: 4,
    totalUsdCents: 440_000,
    minUsdCents: 100_000,
    maxUsdCents: 120_000,
    lowUsdCents: 100_750,
    p25UsdCents: 105_000,
    medianUsdCents: 110_000,
    p75UsdCents: 115_000,
    highUsdCents: 119_250,
    outliersExcluded: 1,
  };
  // Every price of the week was dropped as an outlier: nothing counts, but the drop is reported.
  const allDropped = {
    periodStart: day('2016-01-11'),
    priceCount: 0,
    totalUsdCents: 0,
    minUsdCents: null,
    maxUsdCents: null,
    lowUsdCents: null,
    p25UsdCents: null,
    medianUsdCents: null,
    p75UsdCents: null,
    highUsdCents: null,
    outliersExcluded: 2,
  };

  it('gives each period with prices its statistics, the mean from total and count, the others none', () => {
    expect(ratePeriodsFrom([allDropped, counted], day('2016-01-01'), day('2016-01-18'), 'WEEK')).toEqual([
      { periodStart: '2015-12-28', ...EMPTY },
      {
        periodStart: '2016-01-04',
        priceCount: 4,
        meanUsdCents: 110_000,
        minUsdCents: 100_000,
        maxUsdCents: 120_000,
        lowUsdCents: 100_750,
        p25UsdCents: 105_000,
        medianUsdCents: 110_000,
        p75UsdCents: 115_000,
        highUsdCents: 119_250,
        outliersExcluded: 1,
        change: null,
      },
      { periodStart: '2016-01-11', ...EMPTY, outliersExcluded: 2 },
      { periodStart: '2016-01-18', ...EMPTY },
    ]);
  });
});

describe('ratePeriodsFrom: change over time', () => {
  const week = (start: string, priceCount: number, totalUsdCents: number) => ({
    periodStart: day(start),
    priceCount,
    totalUsdCents,
    minUsdCents: priceCount > 0 ? 1 : null,
    maxUsdCents: priceCount > 0 ? 1 : null,
    lowUsdCents: null,
    p25UsdCents: null,
    medianUsdCents: null,
    p75UsdCents: null,
    highUsdCents: null,
    outliersExcluded: priceCount > 0 ? 0 : 1,
  });

  it('compares each mean with the one before, the first with the period before the range', () => {
    const before = week('2015-12-28', 2, 200_000); // mean 1,000.00
    const weeks = [week('2016-01-04', 4, 448_000), week('2016-01-11', 1, 100_800), week('2016-01-25', 2, 200_000)];
    const changes = ratePeriodsFrom(weeks, day('2016-01-06'), day('2016-02-01'), 'WEEK', before).map((p) => [
      p.periodStart,
      p.change,
    ]);
    expect(changes).toEqual([
      ['2016-01-04', 1_120 / 1_000 - 1],
      ['2016-01-11', 1_008 / 1_120 - 1],
      ['2016-01-18', null], // no price this week
      ['2016-01-25', null], // none the week before
      ['2016-02-01', null],
    ]);
  });

  it('has no change for the first period without a previous price, nor after a period of dropped outliers', () => {
    const periods = ratePeriodsFrom(
      [week('2016-01-04', 0, 0), week('2016-01-11', 2, 2)],
      day('2016-01-04'),
      day('2016-01-17'),
      'WEEK',
      week('2015-12-28', 0, 0),
    );
    expect(periods.map((p) => p.change)).toEqual([null, null]);
  });
});

describe('laneStatFrom', () => {
  const lane = {
    originCode: 'CNSGH',
    destinationCode: 'GBFXT',
    priceCount: 4,
    totalUsdCents: 400_000,
    minUsdCents: 90_000,
    maxUsdCents: 110_000,
    stddevUsdCents: 5_000,
    outliersExcluded: 0,
  };

  it('derives the mean and the volatility (stddev / mean)', () => {
    expect(laneStatFrom(lane)).toEqual({
      originCode: 'CNSGH',
      destinationCode: 'GBFXT',
      priceCount: 4,
      meanUsdCents: 100_000,
      minUsdCents: 90_000,
      maxUsdCents: 110_000,
      stddevUsdCents: 5_000,
      volatility: 0.05,
      outliersExcluded: 0,
    });
  });

  it('calls a lane whose prices are all 0 not volatile', () => {
    const zero = { ...lane, totalUsdCents: 0, minUsdCents: 0, maxUsdCents: 0, stddevUsdCents: 0 };
    expect(laneStatFrom(zero)).toMatchObject({ meanUsdCents: 0, volatility: 0 });
  });
});
