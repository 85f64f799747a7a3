/**
 * Acceptance: GraphQL `rates` and the legacy REST call on the reference dataset, compared with answers
 * computed in the test from the raw reference files (test/helpers/reference-answers.ts).
 */
import { startTestService, type TestService } from '../../helpers/components';
import { expectedGraphqlRates, expectedRestRates, portsOf } from '../../helpers/reference-answers';

const RATES = `query Rates($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!, $minPrices: Int) {
  rates(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo, minPrices: $minPrices) {
    day averagePrice priceCount
  }
}`;

interface RatesData {
  rates: { day: string; averagePrice: number | null; priceCount: number }[];
}

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

const restQuery = (origin: string, destination: string, from: string, to: string) =>
  `/rates?date_from=${from}&date_to=${to}&origin=${origin}&destination=${destination}`;

/** The brief's example question. */
const EXAMPLE = { origin: 'CNSGH', destination: 'north_europe_main', dateFrom: '2016-01-01', dateTo: '2016-01-10' };

describe('the example from the brief', () => {
  it('answers CNSGH → north_europe_main for 2016-01-01..10 as published', async () => {
    const response = await service.graphql<RatesData>(RATES, EXAMPLE);
    expect(response.errors).toBeUndefined();
    const rates = response.data!.rates;
    expect(rates.map((r) => r.averagePrice)).toEqual([
      1111.92,
      1112,
      null,
      null,
      1141.63,
      1141.67,
      1136.96,
      1124.21,
      1124.21,
      1124.25,
    ]);
    expect(rates[2]).toEqual({ day: '2016-01-03', averagePrice: null, priceCount: 0 });
    expect(rates[3]).toEqual({ day: '2016-01-04', averagePrice: null, priceCount: 1 });
  });
});

describe('rates match the definition over the raw dataset', () => {
  const cases: [string, string, string, string, string][] = [
    ['port → port', 'HKHKG', 'SESTO', '2016-01-01', '2016-01-31'],
    ['port → port through the 2016-01-04 outlier', 'CNSGH', 'GBFXT', '2016-01-01', '2016-01-31'],
    ['port → region', 'CNSGH', 'north_europe_main', '2016-01-01', '2016-01-31'],
    ['region → port', 'china_main', 'SENRK', '2016-01-01', '2016-01-31'],
    ['region → region', 'china_main', 'northern_europe', '2016-01-01', '2016-01-31'],
    ['regions three levels deep (stockholm_area)', 'china_east_main', 'stockholm_area', '2016-01-01', '2016-01-31'],
    ['regions three levels deep (scandinavia)', 'china_south_main', 'scandinavia', '2016-01-01', '2016-01-31'],
    ['one day', 'china_main', 'baltic', '2016-01-15', '2016-01-15'],
    ['a range starting before the data', 'CNSGH', 'north_europe_main', '2015-12-25', '2016-01-03'],
    ['a range wholly outside the data', 'china_main', 'northern_europe', '2017-03-01', '2017-03-07'],
  ];

  it.each(cases)('%s: GraphQL', async (_name, origin, destination, dateFrom, dateTo) => {
    const response = await service.graphql<RatesData>(RATES, { origin, destination, dateFrom, dateTo });
    expect(response.errors).toBeUndefined();
    expect(response.data!.rates).toEqual(expectedGraphqlRates(origin, destination, dateFrom, dateTo));
  });

  it.each(cases)('%s: REST', async (_name, origin, destination, dateFrom, dateTo) => {
    const response = await service.get(restQuery(origin, destination, dateFrom, dateTo));
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expectedRestRates(origin, destination, dateFrom, dateTo));
  });

  it.each([1, 2, 10, 25, 1000])('honours minPrices = %i', async (minPrices) => {
    const args = ['china_main', 'north_europe_main', '2016-01-01', '2016-01-31'] as const;
    const response = await service.graphql<RatesData>(RATES, {
      origin: args[0],
      destination: args[1],
      dateFrom: args[2],
      dateTo: args[3],
      minPrices,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.rates).toEqual(expectedGraphqlRates(...args, minPrices));
  });

  it('treats minPrices: null as the default of 3', async () => {
    const response = await service.graphql<RatesData>(RATES, { ...EXAMPLE, minPrices: null });
    expect(response.data!.rates).toEqual(
      expectedGraphqlRates(EXAMPLE.origin, EXAMPLE.destination, EXAMPLE.dateFrom, EXAMPLE.dateTo, 3),
    );
  });

  it('cases cover what they claim: a day with no price, a day under 3, nesting three levels', () => {
    const example = expectedGraphqlRates(EXAMPLE.origin, EXAMPLE.destination, EXAMPLE.dateFrom, EXAMPLE.dateTo);
    expect(example.some((d) => d.priceCount === 0)).toBe(true);
    expect(example.some((d) => d.priceCount > 0 && d.priceCount < 3)).toBe(true);
    expect(portsOf('northern_europe').has('SESTO')).toBe(true); // northern_europe ⊃ scandinavia ⊃ stockholm_area ∋ SESTO
  });
});

describe('bad input gets a clear error and an error code', () => {
  const cases: [string, Record<string, unknown>, string, string, unknown][] = [
    ['malformed dateFrom', { dateFrom: '2016-1-1' }, 'BAD_USER_INPUT', 'dateFrom', '2016-1-1'],
    ['impossible dateFrom', { dateFrom: '2016-02-30' }, 'BAD_USER_INPUT', 'dateFrom', '2016-02-30'],
    ['malformed dateTo', { dateTo: 'tomorrow' }, 'BAD_USER_INPUT', 'dateTo', 'tomorrow'],
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
    ['minPrices 0', { minPrices: 0 }, 'BAD_USER_INPUT', 'minPrices', 0],
    ['minPrices negative', { minPrices: -3 }, 'BAD_USER_INPUT', 'minPrices', -3],
    ['unknown origin', { origin: 'XXXXX' }, 'UNKNOWN_LOCATION', 'origin', 'XXXXX'],
    ['unknown destination', { destination: 'atlantis' }, 'UNKNOWN_LOCATION', 'destination', 'atlantis'],
    ['origin in the wrong case', { origin: 'cnsgh' }, 'UNKNOWN_LOCATION', 'origin', 'cnsgh'],
  ];

  it.each(cases)('%s: GraphQL', async (_name, change, code, field, value) => {
    const response = await service.graphql<RatesData>(RATES, { ...EXAMPLE, ...change });
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toEqual({ code, field, value });
    expect(response.errors![0]!.message).toMatch(field);
  });

  it('words a bad day one way everywhere, naming the field as the client spelled it', async () => {
    const rule = 'must be a calendar day written YYYY-MM-DD';
    const graphqlError = async (query: string, variables: Record<string, unknown>) =>
      (await service.graphql(query, variables)).errors?.[0];
    expect(await graphqlError(RATES, { ...EXAMPLE, dateFrom: '2016-02-30' })).toMatchObject({
      message: `dateFrom ${rule}`,
      extensions: { code: 'BAD_USER_INPUT', field: 'dateFrom', value: '2016-02-30' },
    });
    expect(
      await graphqlError(
        `query($dateTo: Date!) { rateSeries(origin: "CNSGH", destination: "GBFXT", dateFrom: "2016-01-01",
           dateTo: $dateTo, granularity: WEEK) { outliersExcluded } }`,
        { dateTo: '2016-1-31' },
      ),
    ).toMatchObject({
      message: `dateTo ${rule}`,
      extensions: { code: 'BAD_USER_INPUT', field: 'dateTo', value: '2016-1-31' },
    });
    expect(
      await graphqlError('query($day: Date!) { exchangeRate(currency: "EUR", day: $day) }', { day: '2016-13-01' }),
    ).toMatchObject({
      message: `day ${rule}`,
      extensions: { code: 'BAD_USER_INPUT', field: 'day', value: '2016-13-01' },
    });
    const upload = await graphqlError('mutation($input: UploadPriceInput!) { uploadPrice(input: $input) { id } }', {
      input: {
        originCode: 'CNSGH',
        destinationCode: 'GBFXT',
        dateFrom: 'soon',
        dateTo: '2016-01-02',
        price: 10,
        idempotencyKey: 'upload-soon',
      },
    });
    expect(upload).toMatchObject({
      message: `dateFrom ${rule}`,
      extensions: { code: 'BAD_USER_INPUT', field: 'dateFrom', value: 'soon' },
    });
    expect(await service.get(restQuery('CNSGH', 'GBFXT', '2016-02-30', '2016-03-01'))).toEqual({
      status: 400,
      body: {
        error: { code: 'BAD_USER_INPUT', field: 'date_from', value: '2016-02-30', message: `date_from ${rule}` },
      },
    });
    expect(
      await service.get(
        '/export/series.csv?origin=CNSGH&destination=GBFXT&date_from=2016-01-01&date_to=2016-1-31&granularity=week',
      ),
    ).toEqual({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', field: 'date_to', value: '2016-1-31', message: `date_to ${rule}` } },
    });
  });

  it('echoes a huge argument only in part, in GraphQL and in REST', async () => {
    const huge = 'X'.repeat(1_000_000);
    const response = await fetch(`${service.running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: RATES, variables: { ...EXAMPLE, origin: huge } }),
    });
    const text = await response.text();
    expect(text.length).toBeLessThan(4_000);
    const error = (JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] })
      .errors[0]!;
    expect(error.extensions).toMatchObject({ code: 'UNKNOWN_LOCATION', field: 'origin' });
    expect(error.extensions.value).toMatch(/^X{200}… \(1000000 characters\)$/);
    const rest = await fetch(
      `${service.running.url}${restQuery('X'.repeat(10_000), 'SESTO', '2016-01-01', '2016-01-02')}`,
    );
    const restText = await rest.text();
    expect(rest.status).toBe(400);
    expect(restText.length).toBeLessThan(4_000);
    expect(restText).toMatch(/\(10000 characters\)/);
  });

  it('accepts a range of exactly 3,660 days', async () => {
    const response = await service.graphql<RatesData>(RATES, {
      ...EXAMPLE,
      dateFrom: '2010-01-01',
      dateTo: '2020-01-08',
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.rates).toHaveLength(3660);
  });

  it('reports an error in an inline argument as it does in a variable', async () => {
    const response = await service.graphql(
      '{ rates(origin: "CNSGH", destination: "north_europe_main", dateFrom: "2016-13-01", dateTo: "2016-01-10") { day } }',
    );
    expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'dateFrom', value: '2016-13-01' });
  });

  it('rejects a missing argument or a date that is not a string before running anything', async () => {
    const missing = await service.graphql(
      '{ rates(origin: "CNSGH", dateFrom: "2016-01-01", dateTo: "2016-01-02") { day } }',
    );
    expect(missing.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(missing.errors![0]!.message).toMatch('destination');
    const numeric = await service.graphql(RATES, { ...EXAMPLE, dateFrom: 20160101 });
    expect(numeric.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(numeric.errors![0]!.message).toMatch('dateFrom');
  });

  const restCases: [string, string, string, string, unknown][] = [
    [
      'malformed date_from',
      restQuery('CNSGH', 'north_europe_main', '2016-1-1', '2016-01-10'),
      'BAD_USER_INPUT',
      'date_from',
      '2016-1-1',
    ],
    [
      'date_from after date_to',
      restQuery('CNSGH', 'north_europe_main', '2016-01-10', '2016-01-01'),
      'BAD_USER_INPUT',
      'date_to',
      '2016-01-01',
    ],
    [
      'unknown origin',
      restQuery('NOWHERE', 'north_europe_main', '2016-01-01', '2016-01-10'),
      'UNKNOWN_LOCATION',
      'origin',
      'NOWHERE',
    ],
    [
      'missing destination',
      '/rates?date_from=2016-01-01&date_to=2016-01-10&origin=CNSGH',
      'BAD_USER_INPUT',
      'destination',
      null,
    ],
    [
      'repeated origin',
      `${restQuery('CNSGH', 'north_europe_main', '2016-01-01', '2016-01-10')}&origin=CNSGH`,
      'BAD_USER_INPUT',
      'origin',
      ['CNSGH', 'CNSGH'],
    ],
  ];

  it.each(restCases)('%s: REST answers 400 with a JSON error', async (_name, url, code, field, value) => {
    const response = await service.get(url);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code, field, value, message: expect.stringContaining(field) as unknown },
    });
  });
});
