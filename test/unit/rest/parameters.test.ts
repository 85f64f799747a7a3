import { RatelineError } from '../../../src/domain/errors';
import { inRestSpelling, ratesParameters, scopedRatesParameters, seriesParameters } from '../../../src/rest/parameters';

const LANE = { origin: 'CNSGH', destination: 'north_europe_main', date_from: '2016-01-01', date_to: '2016-01-31' };
const LANE_QUERY = { origin: 'CNSGH', destination: 'north_europe_main', dateFrom: '2016-01-01', dateTo: '2016-01-31' };

/** The error `parse` throws, as the REST error body shows it. */
function refusal(parse: () => unknown): { code: string; field?: string; value?: unknown; message: string } {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof RatelineError)) throw error;
    return { code: error.code, field: error.field, value: error.value, message: error.message };
  }
  throw new Error('expected the parameters to be refused');
}

describe('the lane and range every REST call takes', () => {
  it.each([ratesParameters, scopedRatesParameters, seriesParameters])(
    '%p reads them in the service spelling',
    (parse) => {
      expect(parse({ ...LANE, granularity: 'day' })).toMatchObject(LANE_QUERY);
    },
  );

  it.each([
    ['missing', { ...LANE, destination: undefined }, 'destination', null],
    ['empty', { ...LANE, date_from: '' }, 'date_from', ''],
    ['repeated', { ...LANE, origin: ['CNSGH', 'CNSGH'] }, 'origin', ['CNSGH', 'CNSGH']],
    ['an object (date_to[x]=)', { ...LANE, date_to: { x: '1' } }, 'date_to', { x: '1' }],
  ])('refuses a parameter %s with BAD_USER_INPUT naming it', (_name, query, field, value) => {
    expect(refusal(() => ratesParameters(query))).toEqual({
      code: 'BAD_USER_INPUT',
      field,
      value,
      message: `query parameter ${field} is required exactly once`,
    });
  });

  it('leaves the days to the service: a malformed day passes as it was sent', () => {
    expect(ratesParameters({ ...LANE, date_from: '2016-1-1' }).dateFrom).toBe('2016-1-1');
  });
});

describe('GET /rates', () => {
  it('reads no currency as absent (USD) and passes a given one as sent', () => {
    const plain = { fields: [], withSpread: false };
    expect(ratesParameters(LANE)).toEqual({ ...LANE_QUERY, ...plain, currency: undefined });
    expect(ratesParameters({ ...LANE, currency: '' })).toEqual({ ...LANE_QUERY, ...plain, currency: undefined });
    expect(ratesParameters({ ...LANE, currency: 'eur' })).toEqual({ ...LANE_QUERY, ...plain, currency: 'eur' });
  });

  it('reads the dimension filter (left to the service to check) and the spread fields, listed in their order', () => {
    expect(
      ratesParameters({ ...LANE, container_types: '40HC,20gp', contract_term: 'long_term', fields: 'high,low' }),
    ).toMatchObject({
      containerTypes: ['40HC', '20gp'],
      contractTerm: 'LONG_TERM',
      fields: ['low', 'high'],
      withSpread: true,
    });
    expect(scopedRatesParameters({ ...LANE, fields: 'median' })).toMatchObject({
      fields: ['median'],
      withSpread: true,
    });
  });

  it('refuses a field it does not know, naming the accepted ones', () => {
    expect(refusal(() => ratesParameters({ ...LANE, fields: 'low,mean' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'fields',
      value: 'mean',
      message: 'Unknown field "mean" in fields; accepted: low, p25, median, p75, high',
    });
  });

  it('refuses a repeated currency', () => {
    expect(refusal(() => ratesParameters({ ...LANE, currency: ['EUR', 'JPY'] }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'currency',
      value: ['EUR', 'JPY'],
      message: 'query parameter currency may be given at most once',
    });
  });
});

describe('GET /export/rates.csv', () => {
  it('defaults to no minimum of its own, no fallback and outliers kept', () => {
    expect(scopedRatesParameters(LANE)).toEqual({
      ...LANE_QUERY,
      fields: [],
      withSpread: false,
      minPrices: undefined,
      fallback: 'NONE',
      excludeOutliers: false,
    });
  });

  it('reads min_prices as a whole number, fallback in either case, exclude_outliers as true/false/1/0', () => {
    expect(
      scopedRatesParameters({ ...LANE, min_prices: '-2', fallback: 'parent_regions', exclude_outliers: '1' }),
    ).toMatchObject({ ...LANE_QUERY, minPrices: -2, fallback: 'PARENT_REGIONS', excludeOutliers: true });
    expect(scopedRatesParameters({ ...LANE, fallback: 'NONE', exclude_outliers: 'true' })).toMatchObject({
      fallback: 'NONE',
      excludeOutliers: true,
    });
    expect(scopedRatesParameters({ ...LANE, exclude_outliers: '0' }).excludeOutliers).toBe(false);
    expect(scopedRatesParameters({ ...LANE, exclude_outliers: 'false' }).excludeOutliers).toBe(false);
  });

  it.each([
    ['min_prices', 'three', 'min_prices must be a whole number'],
    ['min_prices', '2.5', 'min_prices must be a whole number'],
    ['fallback', 'sideways', 'fallback must be one of none, parent_regions'],
    ['exclude_outliers', 'maybe', 'exclude_outliers must be true or false'],
  ])('refuses %s=%s with BAD_USER_INPUT', (field, value, message) => {
    expect(refusal(() => scopedRatesParameters({ ...LANE, [field]: value }))).toEqual({
      code: 'BAD_USER_INPUT',
      field,
      value,
      message,
    });
  });
});

describe('GET /export/series.csv', () => {
  it('reads the granularity in either case; outliers kept by default', () => {
    expect(seriesParameters({ ...LANE, granularity: 'week' })).toEqual({
      ...LANE_QUERY,
      granularity: 'WEEK',
      excludeOutliers: false,
    });
    expect(seriesParameters({ ...LANE, granularity: 'Quarter', exclude_outliers: 'true' })).toMatchObject({
      granularity: 'QUARTER',
      excludeOutliers: true,
    });
  });

  it('requires a granularity it knows', () => {
    expect(refusal(() => seriesParameters(LANE))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'granularity',
      value: null,
      message: 'query parameter granularity is required exactly once',
    });
    expect(refusal(() => seriesParameters({ ...LANE, granularity: 'fortnight' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'granularity',
      value: 'fortnight',
      message: 'granularity must be one of day, week, month, quarter, year',
    });
  });
});

describe('inRestSpelling', () => {
  it('names the field, and every GraphQL name in the message, as a REST client spells them', () => {
    const error = new RatelineError(
      'BAD_USER_INPUT',
      'dateFrom to dateTo covers 3661 days; at most 3660 are allowed (MAX_RATES_RANGE_DAYS)',
      'dateTo',
      '2010-01-08',
    );
    const respelled = inRestSpelling(error);
    expect(respelled).toBeInstanceOf(RatelineError);
    expect(respelled).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'date_from to date_to covers 3661 days; at most 3660 are allowed (MAX_RATES_RANGE_DAYS)',
      field: 'date_to',
      value: '2010-01-08',
    });
    expect(inRestSpelling(new RatelineError('BAD_USER_INPUT', 'minPrices must be…', 'minPrices', 0))).toMatchObject({
      field: 'min_prices',
      message: 'min_prices must be…',
      value: 0,
    });
  });

  it('passes unchanged an error about a field spelled alike, one without a field, and any other error', () => {
    const unknownOrigin = new RatelineError('UNKNOWN_LOCATION', 'origin "X" is …', 'origin', 'X');
    const noField = new RatelineError('ANALYTICS_UNAVAILABLE', 'Analytics are unavailable');
    const fault = new Error('dateFrom');
    expect(inRestSpelling(unknownOrigin)).toBe(unknownOrigin);
    expect(inRestSpelling(noField)).toBe(noField);
    expect(inRestSpelling(fault)).toBe(fault);
  });
});
