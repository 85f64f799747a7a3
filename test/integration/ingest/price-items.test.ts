import { parseDay } from '../../../src/domain/day';
import { validatePriceItems, type PriceItemInput } from '../../../src/ingest/price-items';
import { dailyRates, offlineRatesFixture, type RatesFixture } from '../../helpers/exchange-rates';

const ports = new Set(['CNSGH', 'NLRTM']);
const good: PriceItemInput = {
  originCode: 'CNSGH',
  destinationCode: 'NLRTM',
  day: '2016-02-29',
  price: 1234.5,
  currency: 'USD',
};

// Test rates (US dollars per unit), chosen so that the expected cents below can be worked out by hand.
let rates: RatesFixture;
beforeAll(async () => {
  rates = await offlineRatesFixture(
    dailyRates([
      ['2015-12-31', 'EUR', '1.0887'],
      ['2016-01-04', 'EUR', '1.0898'],
      ['2016-01-04', 'GBP', '1.5'],
      ['2016-01-04', 'JPY', '0.008397287718'],
      ['2016-01-04', 'KWD', '3.3'],
    ]),
  );
});
afterAll(() => rates.dispose());

/** Validation as the ingest service runs it: the rates of the items' pairs fetched first, in one call. */
async function validate(items: readonly PriceItemInput[]) {
  return validatePriceItems(items, ports, await rates.exchangeRates.lookup(items));
}

const errorsOf = async (item: Partial<PriceItemInput>) =>
  (await validate([{ ...good, ...item }])).errors.map(({ field, code }) => [field, code]);

/** What one valid item is stored as. */
async function stored(price: number, currency: string, day = '2016-01-04') {
  const { prices, errors } = await validate([{ ...good, price, currency, day }]);
  expect(errors).toEqual([]);
  const [{ usdCents, amountMinor, usdPerUnit }] = prices as [(typeof prices)[number]];
  return { usdCents, amountMinor, usdPerUnit };
}

describe('validatePriceItems', () => {
  it('turns a valid item into exact cents, keeping its position and original amount', async () => {
    const { prices, errors } = await validate([good, { ...good, price: 0.07, day: '2016-03-01' }]);
    expect(errors).toEqual([]);
    expect(prices).toEqual([
      {
        itemIndex: 0,
        originCode: 'CNSGH',
        destinationCode: 'NLRTM',
        day: parseDay('2016-02-29'),
        usdCents: 123_450,
        currency: 'USD',
        amountMinor: 123_450,
        usdPerUnit: '1',
        containerType: null,
        contractTerm: null,
      },
      expect.objectContaining({ itemIndex: 1, usdCents: 7, day: parseDay('2016-03-01') }),
    ]);
  });

  it.each([
    [{ originCode: 'XXXXX' }, [['originCode', 'UNKNOWN_LOCATION']]],
    [{ destinationCode: 'north_europe_main' }, [['destinationCode', 'UNKNOWN_LOCATION']]],
    [{ day: '2016-02-30' }, [['day', 'BAD_USER_INPUT']]],
    [{ day: '16-01-01' }, [['day', 'BAD_USER_INPUT']]],
    [{ day: '1969-12-31' }, [['day', 'BAD_USER_INPUT']]],
    [{ day: '2100-01-01' }, [['day', 'BAD_USER_INPUT']]],
    [{ price: 0 }, [['price', 'BAD_USER_INPUT']]],
    [{ price: -5 }, [['price', 'BAD_USER_INPUT']]],
    [{ price: 10.005 }, [['price', 'BAD_USER_INPUT']]],
    [{ price: 10_000_000.01 }, [['price', 'BAD_USER_INPUT']]],
    [{ price: Number.NaN }, [['price', 'BAD_USER_INPUT']]],
    [{ currency: 'usd' }, [['currency', 'BAD_USER_INPUT']]],
    [{ currency: 'XYZ' }, [['currency', 'UNSUPPORTED_CURRENCY']]],
    [{ currency: 'XAU' }, [['currency', 'UNSUPPORTED_CURRENCY']]],
    [{ currency: 'AED', day: '2016-01-04' }, [['currency', 'UNSUPPORTED_CURRENCY']]],
    [{ currency: 'EUR', day: '2016-01-09' }, [['day', 'RATE_UNAVAILABLE']]],
    [{ currency: 'EUR', day: '2015-12-30' }, [['day', 'RATE_UNAVAILABLE']]],
    [{ currency: 'JPY', day: '2016-01-04', price: 1000.5 }, [['price', 'BAD_USER_INPUT']]],
    [{ currency: 'KWD', day: '2016-01-04', price: 1.2345 }, [['price', 'BAD_USER_INPUT']]],
    [{ currency: 'EUR', day: '2016-01-04', price: 9_176_000 }, [['price', 'BAD_USER_INPUT']]],
  ])('refuses %j', async (item, expected) => {
    expect(await errorsOf(item)).toEqual(expected);
  });

  it('accepts the edges of every rule', async () => {
    expect(await errorsOf({ price: 0.01 })).toEqual([]);
    expect(await errorsOf({ price: 10_000_000 })).toEqual([]);
    expect(await errorsOf({ price: 1.1 + 2.2 })).toEqual([]); // 3.3000000000000003 is 330 cents, not a third decimal
    expect(await errorsOf({ day: '1970-01-01' })).toEqual([]);
    expect(await errorsOf({ day: '2099-12-31' })).toEqual([]);
    // 9,175,000 EUR × 1.0898 = 9,998,915 USD: under the limit in dollars, though not in euros.
    expect(await errorsOf({ currency: 'EUR', day: '2016-01-04', price: 9_175_000 })).toEqual([]);
    expect(await errorsOf({ currency: 'KWD', day: '2016-01-04', price: 1.234 })).toEqual([]);
  });

  it('names the currency and the day of a missing rate, and an unsupported currency', async () => {
    const { errors } = await validate([
      { ...good, currency: 'EUR', day: '2016-01-09' },
      { ...good, currency: 'AED' },
    ]);
    expect(errors).toEqual([
      {
        index: 0,
        field: 'day',
        code: 'RATE_UNAVAILABLE',
        message: expect.stringContaining('EUR'),
        value: '2016-01-09',
      },
      {
        index: 1,
        field: 'currency',
        code: 'UNSUPPORTED_CURRENCY',
        message: expect.stringContaining('AED'),
        value: 'AED',
      },
    ]);
    expect(errors[0]?.message).toContain('2016-01-09');
  });

  it('lists every wrong field of every item, with the value it got', async () => {
    const { prices, errors } = await validate([
      good,
      { ...good, originCode: 'XXXXX', price: -1, currency: 'XYZ' },
      good,
      { ...good, day: 'soon' },
    ]);
    expect(prices.map((p) => p.itemIndex)).toEqual([0, 2]);
    expect(errors).toEqual([
      { index: 1, field: 'originCode', code: 'UNKNOWN_LOCATION', message: expect.any(String), value: 'XXXXX' },
      { index: 1, field: 'price', code: 'BAD_USER_INPUT', message: 'must be greater than 0', value: -1 },
      { index: 1, field: 'currency', code: 'UNSUPPORTED_CURRENCY', message: expect.any(String), value: 'XYZ' },
      { index: 3, field: 'day', code: 'BAD_USER_INPUT', message: expect.any(String), value: 'soon' },
    ]);
  });
});

describe('validatePriceItems: conversion to US cents (expected values worked out by hand)', () => {
  it('converts at the rate of the price’s own day, keeping the amount, the currency and the rate', async () => {
    // 1,000.00 EUR × 1.0898 USD/EUR = 1,089.80 USD.
    expect(await stored(1000, 'EUR')).toEqual({ usdCents: 108_980, amountMinor: 100_000, usdPerUnit: '1.0898' });
    // 1,350.55 EUR × 1.0898 = 1,471.829390 USD → 147,183 cents (0.939 of a cent rounds up).
    expect(await stored(1350.55, 'EUR')).toEqual({ usdCents: 147_183, amountMinor: 135_055, usdPerUnit: '1.0898' });
    // 0.05 EUR × 1.0898 = 5.449 cents → 5.
    expect((await stored(0.05, 'EUR')).usdCents).toBe(5);
  });

  it('uses the last rate of the 4 days before a day without one (weekends, holidays)', async () => {
    // Sunday 2016-01-03 takes Thursday 2015-12-31's 1.0887: 1,000 EUR = 1,088.70 USD.
    expect(await stored(1000, 'EUR', '2016-01-03')).toEqual({
      usdCents: 108_870,
      amountMinor: 100_000,
      usdPerUnit: '1.0887',
    });
    // Friday 2016-01-08 is 4 days after 2016-01-04 (the last test rate): still 1.0898.
    expect((await stored(1000, 'EUR', '2016-01-08')).usdCents).toBe(108_980);
  });

  it('rounds an exact half cent to the even cent', async () => {
    // At 1.5 USD/GBP: 0.01 GBP = 1.5 cents → 2; 0.03 GBP = 4.5 → 4; 0.05 GBP = 7.5 → 8; 0.07 GBP = 10.5 → 10.
    expect((await stored(0.01, 'GBP')).usdCents).toBe(2);
    expect((await stored(0.03, 'GBP')).usdCents).toBe(4);
    expect((await stored(0.05, 'GBP')).usdCents).toBe(8);
    expect((await stored(0.07, 'GBP')).usdCents).toBe(10);
  });

  it('counts minor units by the currency’s ISO 4217 exponent', async () => {
    // JPY has no minor unit: 120,000 JPY × 0.008397287718 = 1,007.67452616 USD → 100,767 cents.
    expect(await stored(120_000, 'JPY')).toEqual({
      usdCents: 100_767,
      amountMinor: 120_000,
      usdPerUnit: '0.008397287718',
    });
    // KWD has 3 decimals: 1.234 KWD = 1,234 fils; × 3.3 = 4.0722 USD → 407 cents.
    expect(await stored(1.234, 'KWD')).toEqual({ usdCents: 407, amountMinor: 1_234, usdPerUnit: '3.3' });
  });

  it('keeps the amounts exact where binary floats drift', async () => {
    // 0.1 + 0.2 EUR is 30 euro cents (not 30.000000000000004); 30 × 1.0898 = 32.694 → 33 cents.
    expect(await stored(0.1 + 0.2, 'EUR')).toEqual({ usdCents: 33, amountMinor: 30, usdPerUnit: '1.0898' });
    // 9,175,000 EUR × 1.0898 = 9,998,915.00 USD exactly: 999,891,500 cents.
    expect((await stored(9_175_000, 'EUR')).usdCents).toBe(999_891_500);
  });
});
