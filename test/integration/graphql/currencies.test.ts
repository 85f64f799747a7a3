import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ REPLICATION_FLUSH_INTERVAL_MS: '20' });
});
afterAll(() => service.stop());

interface DailyRate {
  day: string;
  averagePrice: number | null;
  priceCount: number;
}

const RATES = `query($origin: String!, $dateFrom: Date!, $dateTo: Date!, $currency: String, $minPrices: Int) {
  rates(origin: $origin, destination: "NLRTM", dateFrom: $dateFrom, dateTo: $dateTo, currency: $currency,
        minPrices: $minPrices) { day averagePrice priceCount }
}`;
const SUBMIT = `mutation($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { id status acceptedCount rejectedCount errors { index field code message } }
}`;
const UPLOAD = `mutation($input: UploadPriceInput!) { uploadPrice(input: $input) { id status itemCount } }`;
const BATCH = `query($id: ID!) { batch(id: $id) { replicatedAt } }`;

let keys = 0;
async function submitUsd(day: string, prices: number[]): Promise<string> {
  const items = prices.map((price) => ({ originCode: 'CNSGH', destinationCode: 'NLRTM', day, price }));
  const { data, errors } = await service.graphql<{ submitPriceBatch: { id: string } }>(SUBMIT, {
    input: { items, idempotencyKey: `currencies-${++keys}` },
  });
  expect(errors).toBeUndefined();
  return data!.submitPriceBatch.id;
}

async function untilReplicated(id: string): Promise<void> {
  await eventually(
    () => service.graphql<{ batch: { replicatedAt: string | null } }>(BATCH, { id }),
    ({ data }) => Boolean(data?.batch.replicatedAt),
    { what: `batch ${id} replicated`, timeoutMs: 15_000 },
  );
}

async function rates(variables: Record<string, unknown>) {
  return service.graphql<{ rates: DailyRate[] }>(RATES, { origin: 'CNSGH', ...variables });
}

describe('currencies and exchangeRate', () => {
  it('lists USD and the currencies of the shipped ECB table', async () => {
    const { data, errors } = await service.graphql<{
      currencies: { code: string; name: string; minorUnits: number; firstDay: string | null; lastDay: string | null }[];
    }>('{ currencies { code name minorUnits firstDay lastDay } }');
    expect(errors).toBeUndefined();
    const byCode = new Map(data!.currencies.map((c) => [c.code, c]));
    expect(byCode.get('USD')).toEqual({ code: 'USD', name: 'US Dollar', minorUnits: 2, firstDay: null, lastDay: null });
    expect(byCode.get('EUR')).toEqual({
      code: 'EUR',
      name: 'Euro',
      minorUnits: 2,
      firstDay: '2014-12-31',
      lastDay: '2021-12-31',
    });
    expect(byCode.get('JPY')).toMatchObject({ minorUnits: 0 });
    expect(data!.currencies.length).toBeGreaterThan(30);
  });

  it('answers US dollars per unit on a day (ECB: 1 EUR = 1.0898 USD on 2016-01-04), or why not', async () => {
    const rate = (currency: string, day: string) =>
      service.graphql<{ exchangeRate: number }>(
        'query($c: String!, $d: Date!) { exchangeRate(currency: $c, day: $d) }',
        {
          c: currency,
          d: day,
        },
      );
    expect((await rate('EUR', '2016-01-04')).data).toEqual({ exchangeRate: 1.0898 });
    // Sunday: the Thursday before (Friday 2016-01-01 was a TARGET holiday).
    expect((await rate('EUR', '2016-01-03')).data).toEqual({ exchangeRate: 1.0887 });
    expect((await rate('USD', '2016-01-03')).data).toEqual({ exchangeRate: 1 });
    expect((await rate('XYZ', '2016-01-04')).errors?.[0]?.extensions).toMatchObject({
      code: 'UNSUPPORTED_CURRENCY',
      field: 'currency',
      value: 'XYZ',
    });
    const missing = await rate('EUR', '2030-01-01');
    expect(missing.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_UNAVAILABLE',
      field: 'day',
      value: '2030-01-01',
    });
    expect(missing.errors?.[0]?.message).toMatch(/EUR.*2030-01-01/);
  });
});

describe('prices in euros', () => {
  it('uploads a EUR price, stored in US cents at each day’s ECB rate with the amount, currency and rate', async () => {
    const input = {
      originCode: 'CNYAT',
      destinationCode: 'NLRTM',
      dateFrom: '2019-04-01',
      dateTo: '2019-04-02',
      price: 1000,
      currency: 'EUR',
      idempotencyKey: 'upload-eur-2019-04',
    };
    const { data, errors } = await service.graphql<{ uploadPrice: { id: string; status: string } }>(UPLOAD, {
      input,
    });
    expect(errors).toBeUndefined();
    const id = data!.uploadPrice.id;
    const stored = (await service.running.stores.operational.batches.pricesOf(id, null, 1_000_000)) ?? [];
    // ECB: 1 EUR = 1.1236 USD on 2019-04-01 and 1.12 USD on 2019-04-02.
    expect(stored.map((p) => [p.usdCents, p.currency, p.amountMinor, p.usdPerUnit])).toEqual([
      [112_360, 'EUR', 100_000, '1.1236'],
      [112_000, 'EUR', 100_000, '1.12'],
    ]);
    await untilReplicated(id);
    const range = { origin: 'CNYAT', dateFrom: '2019-04-01', dateTo: '2019-04-02', minPrices: 1 };
    expect((await rates(range)).data?.rates.map((r) => r.averagePrice)).toEqual([1123.6, 1120]);
    expect((await rates({ ...range, currency: 'EUR' })).data?.rates.map((r) => r.averagePrice)).toEqual([1000, 1000]);
  });

  it('lists a missing rate and an unsupported currency per item', async () => {
    const items = [
      { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2019-04-01', price: 10, currency: 'EUR' },
      { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2030-01-01', price: 10, currency: 'EUR' },
      { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2019-04-01', price: 10, currency: 'AED' },
    ];
    const refused = await service.graphql(SUBMIT, { input: { items, idempotencyKey: 'currencies-refused' } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      itemErrors: [
        {
          index: 1,
          field: 'day',
          code: 'RATE_UNAVAILABLE',
          value: '2030-01-01',
          message: expect.stringContaining('EUR'),
        },
        {
          index: 2,
          field: 'currency',
          code: 'UNSUPPORTED_CURRENCY',
          value: 'AED',
          message: expect.stringContaining('AED'),
        },
      ],
    });
    const skipped = await service.graphql<{ submitPriceBatch: { acceptedCount: number; rejectedCount: number } }>(
      SUBMIT,
      { input: { items, idempotencyKey: 'currencies-skipped', skipInvalid: true } },
    );
    expect(skipped.data?.submitPriceBatch).toMatchObject({ acceptedCount: 1, rejectedCount: 2 });
  });
});

describe('rates(currency:)', () => {
  let id: string;
  beforeAll(async () => {
    id = await submitUsd('2019-03-04', [100, 200, 300]);
    await untilReplicated(id);
  });

  it('reports each day’s average converted from USD at that day’s rate, rounded to the currency’s minor unit', async () => {
    const range = { dateFrom: '2019-03-03', dateTo: '2019-03-04' };
    expect((await rates(range)).data?.rates).toEqual([
      { day: '2019-03-03', averagePrice: null, priceCount: 0 },
      { day: '2019-03-04', averagePrice: 200, priceCount: 3 },
    ]);
    // ECB, 2019-03-04: 1 EUR = 1.1337 USD = 126.91 JPY. 200 USD = 200 / 1.1337 EUR = 176.4135… EUR;
    // 200 × 126.91 / 1.1337 = 22,388.638… JPY, which has no minor unit.
    expect((await rates({ ...range, currency: 'EUR' })).data?.rates).toEqual([
      { day: '2019-03-03', averagePrice: null, priceCount: 0 },
      { day: '2019-03-04', averagePrice: 176.41, priceCount: 3 },
    ]);
    expect((await rates({ ...range, currency: 'JPY' })).data?.rates[1]?.averagePrice).toBe(22_389);
    expect((await rates({ ...range, currency: 'USD' })).data?.rates[1]?.averagePrice).toBe(200);
  });

  it('names the day without a rate, and refuses unknown currencies', async () => {
    await untilReplicated(await submitUsd('2025-06-02', [100, 100, 100]));
    const missing = await rates({ dateFrom: '2025-06-01', dateTo: '2025-06-02', currency: 'EUR' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_UNAVAILABLE',
      field: 'currency',
      value: 'EUR',
    });
    expect(missing.errors?.[0]?.message).toMatch(/EUR.*2025-06-02/);
    const unknown = await rates({ dateFrom: '2019-03-04', dateTo: '2019-03-04', currency: 'XYZ' });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'UNSUPPORTED_CURRENCY', field: 'currency' });
    const malformed = await rates({ dateFrom: '2019-03-04', dateTo: '2019-03-04', currency: 'euro' });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
  });

  it('is also the REST call’s currency parameter, in whole units', async () => {
    const path = '/rates?origin=CNSGH&destination=NLRTM&date_from=2019-03-04&date_to=2019-03-04';
    expect(await service.get(path)).toEqual({ status: 200, body: [{ day: '2019-03-04', average_price: 200 }] });
    expect(await service.get(`${path}&currency=EUR`)).toEqual({
      status: 200,
      body: [{ day: '2019-03-04', average_price: 176 }],
    });
    expect(await service.get(`${path}&currency=XYZ`)).toMatchObject({
      status: 400,
      body: { error: { code: 'UNSUPPORTED_CURRENCY', field: 'currency', value: 'XYZ' } },
    });
  });
});
