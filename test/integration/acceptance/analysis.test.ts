/**
 * Acceptance: rateSeries, laneStats, ratesWithScope (fallback, outliers) and the CSV exports on the
 * reference dataset, compared with answers computed in the test from the raw reference files
 * (test/helpers/analysis-answers.ts).
 */
import {
  expectedLaneStats,
  expectedRatesWithScope,
  expectedSeries,
  parentOf,
  selectedPrices,
  tukeySplit,
  type Granularity,
  type LaneOrder,
} from '../../helpers/analysis-answers';
import { startTestService, type TestService } from '../../helpers/components';

const SERIES = `query Series($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
                             $granularity: Granularity!, $excludeOutliers: Boolean) {
  rateSeries(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
             granularity: $granularity, excludeOutliers: $excludeOutliers) {
    outliersExcluded
    periods { periodStart averagePrice minPrice maxPrice p25 median p75 priceCount outliersExcluded }
  }
}`;

const LANES = `query Lanes($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
                           $orderBy: LaneStatsOrder, $first: Int, $excludeOutliers: Boolean) {
  laneStats(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
            orderBy: $orderBy, first: $first, excludeOutliers: $excludeOutliers) {
    origin { code } destination { code }
    priceCount averagePrice minPrice maxPrice stddevPrice volatility outliersExcluded
  }
}`;

const SCOPED = `query Scoped($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
                            $minPrices: Int, $fallback: RatesFallback, $excludeOutliers: Boolean) {
  ratesWithScope(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
                 minPrices: $minPrices, fallback: $fallback, excludeOutliers: $excludeOutliers) {
    days { day averagePrice priceCount }
    originScope { kind id levelsUp }
    destinationScope { kind id levelsUp }
    outliersExcluded
  }
}`;

interface SeriesData {
  rateSeries: ReturnType<typeof expectedSeries>;
}
interface LaneAnswer {
  origin: { code: string };
  destination: { code: string };
  priceCount: number;
  averagePrice: number;
  minPrice: number;
  maxPrice: number;
  stddevPrice: number;
  volatility: number;
  outliersExcluded: number;
}
interface LanesData {
  laneStats: LaneAnswer[];
}
interface ScopedData {
  ratesWithScope: ReturnType<typeof expectedRatesWithScope>;
}

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

const JANUARY = { dateFrom: '2016-01-01', dateTo: '2016-01-31' };
const EXAMPLE = { origin: 'CNSGH', destination: 'north_europe_main', ...JANUARY };

describe('the oracle itself', () => {
  it('finds the one price of 100500 on CNSGH → GBFXT, 2016-01-04, and calls it an outlier', () => {
    const { dropped } = tukeySplit(selectedPrices('CNSGH', 'GBFXT', '2016-01-01', '2016-01-31'));
    expect(dropped.map((p) => [p.day, p.cents])).toContainEqual(['2016-01-04', 100_500_00]);
  });

  it('walks the hierarchy: a port to its region, up to a top-level region', () => {
    expect(parentOf('SESTO')).toBe('stockholm_area');
    expect(parentOf('stockholm_area')).toBe('scandinavia');
    expect(parentOf('scandinavia')).toBe('northern_europe');
    expect(parentOf('northern_europe')).toBeUndefined();
  });
});

describe('rateSeries', () => {
  const granularities: Granularity[] = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'];
  const lanes: [string, string, string, string, string][] = [
    ['port → region, January', 'CNSGH', 'north_europe_main', '2016-01-01', '2016-01-31'],
    ['region → region, mid-week to mid-week', 'china_main', 'northern_europe', '2016-01-06', '2016-01-20'],
    ['region → port, across a year end', 'china_main', 'SENRK', '2015-12-20', '2016-01-10'],
    ['port → port through the outlier', 'CNSGH', 'GBFXT', '2016-01-01', '2016-01-31'],
  ];

  describe.each(lanes)('%s', (_name, origin, destination, dateFrom, dateTo) => {
    it.each(granularities)('%s: every period, its quartiles, min, max, average and count', async (granularity) => {
      const response = await service.graphql<SeriesData>(SERIES, {
        origin,
        destination,
        dateFrom,
        dateTo,
        granularity,
      });
      expect(response.errors).toBeUndefined();
      expect(response.data!.rateSeries).toEqual(expectedSeries(origin, destination, dateFrom, dateTo, granularity));
    });

    it.each(granularities)('%s without outliers', async (granularity) => {
      const response = await service.graphql<SeriesData>(SERIES, {
        origin,
        destination,
        dateFrom,
        dateTo,
        granularity,
        excludeOutliers: true,
      });
      expect(response.errors).toBeUndefined();
      expect(response.data!.rateSeries).toEqual(
        expectedSeries(origin, destination, dateFrom, dateTo, granularity, true),
      );
    });
  });

  it('starts weeks on Monday: 2016-01-06 (a Wednesday) falls in the week of 2016-01-04', async () => {
    const response = await service.graphql<SeriesData>(SERIES, {
      ...EXAMPLE,
      dateFrom: '2016-01-06',
      dateTo: '2016-01-12',
      granularity: 'WEEK',
    });
    expect(response.data!.rateSeries.periods.map((p) => p.periodStart)).toEqual(['2016-01-04', '2016-01-11']);
  });

  it('drops the 100500 price from the month of CNSGH → GBFXT and says so', async () => {
    const args = { origin: 'CNSGH', destination: 'GBFXT', ...JANUARY, granularity: 'MONTH' };
    const withIt = await service.graphql<SeriesData>(SERIES, args);
    const without = await service.graphql<SeriesData>(SERIES, { ...args, excludeOutliers: true });
    expect(withIt.data!.rateSeries.periods[0]!.maxPrice).toBe(100500);
    expect(withIt.data!.rateSeries.outliersExcluded).toBe(0);
    expect(without.data!.rateSeries.periods[0]!.maxPrice).toBeLessThan(2000);
    expect(without.data!.rateSeries.outliersExcluded).toBeGreaterThanOrEqual(1);
    expect(without.data!.rateSeries.periods[0]!.priceCount).toBe(
      withIt.data!.rateSeries.periods[0]!.priceCount - without.data!.rateSeries.outliersExcluded,
    );
  });

  it('answers every period with a zero count and null statistics where there are no prices', async () => {
    const response = await service.graphql<SeriesData>(SERIES, {
      ...EXAMPLE,
      dateFrom: '2017-01-01',
      dateTo: '2017-12-31',
      granularity: 'QUARTER',
    });
    expect(response.data!.rateSeries.periods).toEqual(
      ['2017-01-01', '2017-04-01', '2017-07-01', '2017-10-01'].map((periodStart) => ({
        periodStart,
        averagePrice: null,
        minPrice: null,
        maxPrice: null,
        p25: null,
        median: null,
        p75: null,
        priceCount: 0,
        outliersExcluded: 0,
      })),
    );
  });
});

describe('laneStats', () => {
  const orders: LaneOrder[] = ['VOLUME', 'AVERAGE_PRICE', 'VOLATILITY'];
  const cases: [string, string, string][] = [
    ['port → region', 'CNSGH', 'north_europe_main'],
    ['region → region', 'china_main', 'northern_europe'],
  ];

  function expectLanes(actual: LaneAnswer[], expected: ReturnType<typeof expectedLaneStats>): void {
    expect(actual.map((l) => [l.origin.code, l.destination.code])).toEqual(
      expected.map((l) => [l.origin, l.destination]),
    );
    actual.forEach((lane, i) => {
      const want = expected[i]!;
      expect({
        priceCount: lane.priceCount,
        averagePrice: lane.averagePrice,
        minPrice: lane.minPrice,
        maxPrice: lane.maxPrice,
        outliersExcluded: lane.outliersExcluded,
      }).toEqual({
        priceCount: want.priceCount,
        averagePrice: want.averagePrice,
        minPrice: want.minPrice,
        maxPrice: want.maxPrice,
        outliersExcluded: want.outliersExcluded,
      });
      // Rounded to cents and to 4 decimals from floating-point sums: within one unit of the last digit.
      expect(Math.abs(lane.stddevPrice - want.stddevUsd)).toBeLessThanOrEqual(0.0051);
      expect(Math.abs(lane.volatility - want.volatility)).toBeLessThanOrEqual(0.00006);
    });
  }

  describe.each(cases)('%s', (_name, origin, destination) => {
    it.each(orders)('ranks by %s, ties by origin then destination code', async (orderBy) => {
      const response = await service.graphql<LanesData>(LANES, {
        origin,
        destination,
        ...JANUARY,
        orderBy,
        first: 200,
      });
      expect(response.errors).toBeUndefined();
      const expected = expectedLaneStats(origin, destination, '2016-01-01', '2016-01-31', orderBy);
      expect(response.data!.laneStats).toHaveLength(Math.min(200, expected.length));
      expectLanes(response.data!.laneStats, expected.slice(0, 200));
    });

    it.each(orders)('ranks by %s without outliers', async (orderBy) => {
      const response = await service.graphql<LanesData>(LANES, {
        origin,
        destination,
        ...JANUARY,
        orderBy,
        first: 200,
        excludeOutliers: true,
      });
      expect(response.errors).toBeUndefined();
      expectLanes(
        response.data!.laneStats,
        expectedLaneStats(origin, destination, '2016-01-01', '2016-01-31', orderBy, true).slice(0, 200),
      );
    });
  });

  it('lists the first 10 by volume by default, and `first` of them when asked', async () => {
    const byDefault = await service.graphql<LanesData>(LANES, {
      origin: 'china_main',
      destination: 'northern_europe',
      ...JANUARY,
    });
    expect(byDefault.data!.laneStats).toHaveLength(10);
    const expected = expectedLaneStats('china_main', 'northern_europe', '2016-01-01', '2016-01-31', 'VOLUME');
    expect(byDefault.data!.laneStats.map((l) => l.origin.code + l.destination.code)).toEqual(
      expected.slice(0, 10).map((l) => l.origin + l.destination),
    );
    const three = await service.graphql<LanesData>(LANES, {
      origin: 'china_main',
      destination: 'northern_europe',
      ...JANUARY,
      orderBy: 'VOLATILITY',
      first: 3,
    });
    expect(three.data!.laneStats).toHaveLength(3);
    // The lane with the 100500 price is by far the most volatile.
    expect(three.data!.laneStats[0]).toMatchObject({ origin: { code: 'CNSGH' }, destination: { code: 'GBFXT' } });
  });

  it('answers no lanes where there are no prices', async () => {
    const response = await service.graphql<LanesData>(LANES, {
      ...EXAMPLE,
      dateFrom: '2016-01-03',
      dateTo: '2016-01-03',
    });
    expect(response.data!.laneStats).toEqual([]);
  });
});

describe('ratesWithScope', () => {
  const cases: [string, string, string, string, string, Parameters<typeof expectedRatesWithScope>[4]][] = [
    ['no fallback: the locations asked', 'CNSGH', 'GBFXT', '2016-01-01', '2016-01-10', { minPrices: 30 }],
    [
      'enough prices: no widening',
      'CNSGH',
      'north_europe_main',
      '2016-01-01',
      '2016-01-10',
      { fallback: 'PARENT_REGIONS' },
    ],
    [
      'too few prices: widens both sides',
      'CNSGH',
      'GBFXT',
      '2016-01-01',
      '2016-01-10',
      { minPrices: 30, fallback: 'PARENT_REGIONS' },
    ],
    [
      'origin already at the top: only the destination widens',
      'china_main',
      'SESTO',
      '2016-01-01',
      '2016-01-05',
      { minPrices: 200, fallback: 'PARENT_REGIONS' },
    ],
    [
      'no prices anywhere: widens to the top and stops',
      'CNSGH',
      'SESTO',
      '2016-01-03',
      '2016-01-03',
      { fallback: 'PARENT_REGIONS' },
    ],
    ['outliers excluded', 'CNSGH', 'GBFXT', '2016-01-01', '2016-01-31', { minPrices: 1, excludeOutliers: true }],
    [
      'outliers excluded, then widened',
      'CNSGH',
      'GBFXT',
      '2016-01-04',
      '2016-01-04',
      { minPrices: 2, excludeOutliers: true, fallback: 'PARENT_REGIONS' },
    ],
  ];

  it.each(cases)('%s', async (_name, origin, destination, dateFrom, dateTo, options) => {
    const response = await service.graphql<ScopedData>(SCOPED, { origin, destination, dateFrom, dateTo, ...options });
    expect(response.errors).toBeUndefined();
    expect(response.data!.ratesWithScope).toEqual(
      expectedRatesWithScope(origin, destination, dateFrom, dateTo, options),
    );
  });

  it('cases cover what they claim', () => {
    const widened = expectedRatesWithScope('CNSGH', 'GBFXT', '2016-01-01', '2016-01-10', {
      minPrices: 30,
      fallback: 'PARENT_REGIONS',
    });
    expect(widened.originScope.levelsUp).toBeGreaterThan(0);
    expect(widened.destinationScope.levelsUp).toBe(widened.originScope.levelsUp);
    expect(widened.days.some((d) => d.priceCount >= 30)).toBe(true);
    const oneSided = expectedRatesWithScope('china_main', 'SESTO', '2016-01-01', '2016-01-05', {
      minPrices: 200,
      fallback: 'PARENT_REGIONS',
    });
    expect(oneSided.originScope).toEqual({ kind: 'REGION', id: 'china_main', levelsUp: 0 });
    expect(oneSided.destinationScope.levelsUp).toBeGreaterThan(0);
    const exhausted = expectedRatesWithScope('CNSGH', 'SESTO', '2016-01-03', '2016-01-03', {
      fallback: 'PARENT_REGIONS',
    });
    expect(exhausted.originScope.id).toBe('china_main');
    expect(exhausted.destinationScope.id).toBe('northern_europe');
  });

  it('keeps rates itself unchanged: the same days as ratesWithScope without options', async () => {
    const rates = await service.graphql<{ rates: unknown[] }>(
      `{ rates(origin: "CNSGH", destination: "north_europe_main", dateFrom: "2016-01-01", dateTo: "2016-01-10") { day averagePrice priceCount } }`,
    );
    const scoped = await service.graphql<ScopedData>(SCOPED, { ...EXAMPLE, dateTo: '2016-01-10' });
    expect(scoped.data!.ratesWithScope.days).toEqual(rates.data!.rates);
    expect(scoped.data!.ratesWithScope.originScope).toEqual({ kind: 'PORT', id: 'CNSGH', levelsUp: 0 });
  });
});

describe('CSV exports', () => {
  async function csv(pathAndQuery: string) {
    const response = await fetch(`${service.running.url}${pathAndQuery}`);
    const text = await response.text();
    return {
      response,
      text,
      rows: text
        .trimEnd()
        .split('\r\n')
        .map((line) => line.split(',')),
    };
  }

  const blankNull = (n: number | null): string => (n === null ? '' : n.toFixed(2));

  it('GET /export/series.csv answers the series as CSV', async () => {
    const { response, rows } = await csv(
      '/export/series.csv?origin=CNSGH&destination=north_europe_main&date_from=2016-01-01&date_to=2016-01-31&granularity=week&exclude_outliers=true',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename=.*\.csv/);
    const expected = expectedSeries('CNSGH', 'north_europe_main', '2016-01-01', '2016-01-31', 'WEEK', true);
    expect(rows).toEqual([
      [
        'period_start',
        'price_count',
        'average_price',
        'min_price',
        'max_price',
        'p25',
        'median',
        'p75',
        'outliers_excluded',
      ],
      ...expected.periods.map((p) => [
        p.periodStart,
        String(p.priceCount),
        blankNull(p.averagePrice),
        blankNull(p.minPrice),
        blankNull(p.maxPrice),
        blankNull(p.p25),
        blankNull(p.median),
        blankNull(p.p75),
        String(p.outliersExcluded),
      ]),
    ]);
  });

  it('GET /export/rates.csv answers the daily rates with the scope used', async () => {
    const { response, rows } = await csv(
      '/export/rates.csv?origin=CNSGH&destination=GBFXT&date_from=2016-01-01&date_to=2016-01-10&min_prices=30&fallback=parent_regions',
    );
    expect(response.status).toBe(200);
    const expected = expectedRatesWithScope('CNSGH', 'GBFXT', '2016-01-01', '2016-01-10', {
      minPrices: 30,
      fallback: 'PARENT_REGIONS',
    });
    expect(rows).toEqual([
      ['day', 'price_count', 'average_price', 'origin', 'destination'],
      ...expected.days.map((d) => [
        d.day,
        String(d.priceCount),
        blankNull(d.averagePrice),
        expected.originScope.id,
        expected.destinationScope.id,
      ]),
    ]);
  });

  it('GET /export/rates.csv defaults to the rates of the brief’s example', async () => {
    const { rows } = await csv(
      '/export/rates.csv?origin=CNSGH&destination=north_europe_main&date_from=2016-01-01&date_to=2016-01-10',
    );
    expect(rows.slice(1, 6).map((r) => r[2])).toEqual(['1111.92', '1112.00', '', '', '1141.63']);
  });
});

describe('bad input gets a clear error and an error code', () => {
  const common: [string, Record<string, unknown>, string, string, unknown][] = [
    ['malformed dateFrom', { dateFrom: '2016-1-1' }, 'BAD_USER_INPUT', 'dateFrom', '2016-1-1'],
    ['impossible dateTo', { dateTo: '2016-02-30' }, 'BAD_USER_INPUT', 'dateTo', '2016-02-30'],
    [
      'dateFrom after dateTo',
      { dateFrom: '2016-01-10', dateTo: '2016-01-09' },
      'BAD_USER_INPUT',
      'dateTo',
      '2016-01-09',
    ],
    [
      'a range over 3,660 days',
      { dateFrom: '2000-01-01', dateTo: '2010-01-08' },
      'BAD_USER_INPUT',
      'dateTo',
      '2010-01-08',
    ],
    ['unknown origin', { origin: 'XXXXX' }, 'UNKNOWN_LOCATION', 'origin', 'XXXXX'],
    ['unknown destination', { destination: 'atlantis' }, 'UNKNOWN_LOCATION', 'destination', 'atlantis'],
  ];
  const queries: [
    string,
    string,
    Record<string, unknown>,
    [string, Record<string, unknown>, string, string, unknown][],
  ][] = [
    ['rateSeries', SERIES, { granularity: 'WEEK' }, []],
    [
      'laneStats',
      LANES,
      {},
      [
        ['first 0', { first: 0 }, 'BAD_USER_INPUT', 'first', 0],
        ['first over 200', { first: 201 }, 'BAD_USER_INPUT', 'first', 201],
      ],
    ],
    ['ratesWithScope', SCOPED, {}, [['minPrices 0', { minPrices: 0 }, 'BAD_USER_INPUT', 'minPrices', 0]]],
  ];

  describe.each(queries)('%s', (_name, query, base, extra) => {
    it.each([...common, ...extra])('%s', async (_case, change, code, field, value) => {
      const response = await service.graphql(query, { ...EXAMPLE, ...base, ...change });
      expect(response.data).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions).toEqual({ code, field, value });
      expect(response.errors![0]!.message).toMatch(field);
    });
  });

  it('refuses an unknown granularity before running anything', async () => {
    const response = await service.graphql(SERIES, { ...EXAMPLE, granularity: 'FORTNIGHT' });
    expect(response.status).toBe(400);
    expect(response.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0]!.message).toMatch(/granularity/);
  });

  it('counts laneStats as a list in the query cost', async () => {
    const response = await service.graphql(
      `{ laneStats(origin: "CNSGH", destination: "GBFXT", dateFrom: "2016-01-01", dateTo: "2016-01-31") {
           origin { region { ports { region { ports { region { ports { code } } } } } } } } }`,
    );
    expect(response.errors![0]!.extensions!.code).toBe('QUERY_TOO_COMPLEX');
  });

  const SERIES_CSV =
    '/export/series.csv?origin=CNSGH&destination=north_europe_main&date_from=2016-01-01&date_to=2016-01-31&granularity=week';
  const RATES_CSV =
    '/export/rates.csv?origin=CNSGH&destination=north_europe_main&date_from=2016-01-01&date_to=2016-01-31';
  const restCases: [string, string, string, string, unknown][] = [
    ['series: no granularity', SERIES_CSV.replace('&granularity=week', ''), 'BAD_USER_INPUT', 'granularity', null],
    [
      'series: unknown granularity',
      SERIES_CSV.replace('week', 'fortnight'),
      'BAD_USER_INPUT',
      'granularity',
      'fortnight',
    ],
    [
      'series: exclude_outliers not a boolean',
      `${SERIES_CSV}&exclude_outliers=maybe`,
      'BAD_USER_INPUT',
      'exclude_outliers',
      'maybe',
    ],
    [
      'series: malformed date_from',
      SERIES_CSV.replace('2016-01-01', '2016-1-1'),
      'BAD_USER_INPUT',
      'date_from',
      '2016-1-1',
    ],
    [
      'series: date_to before date_from',
      SERIES_CSV.replace('2016-01-31', '2015-12-31'),
      'BAD_USER_INPUT',
      'date_to',
      '2015-12-31',
    ],
    ['series: unknown origin', SERIES_CSV.replace('CNSGH', 'XXXXX'), 'UNKNOWN_LOCATION', 'origin', 'XXXXX'],
    ['series: origin missing', SERIES_CSV.replace('origin=CNSGH&', ''), 'BAD_USER_INPUT', 'origin', null],
    ['rates: min_prices 0', `${RATES_CSV}&min_prices=0`, 'BAD_USER_INPUT', 'min_prices', 0],
    ['rates: min_prices not a number', `${RATES_CSV}&min_prices=three`, 'BAD_USER_INPUT', 'min_prices', 'three'],
    ['rates: unknown fallback', `${RATES_CSV}&fallback=sideways`, 'BAD_USER_INPUT', 'fallback', 'sideways'],
    [
      'rates: a range over 3,660 days',
      RATES_CSV.replace('2016-01-01', '2000-01-01'),
      'BAD_USER_INPUT',
      'date_to',
      '2016-01-31',
    ],
    [
      'rates: unknown destination',
      RATES_CSV.replace('north_europe_main', 'atlantis'),
      'UNKNOWN_LOCATION',
      'destination',
      'atlantis',
    ],
    [
      'rates: date_to given twice',
      `${RATES_CSV}&date_to=2016-02-01`,
      'BAD_USER_INPUT',
      'date_to',
      ['2016-01-31', '2016-02-01'],
    ],
  ];

  it.each(restCases)('CSV %s: 400 with a JSON error', async (_name, pathAndQuery, code, field, value) => {
    const response = await service.get(pathAndQuery);
    expect(response.status).toBe(400);
    const { error } = response.body as { error: { code: string; field: string; value: unknown; message: string } };
    expect({ code: error.code, field: error.field, value: error.value }).toEqual({ code, field, value });
    expect(error.message).toMatch(field);
  });
});
