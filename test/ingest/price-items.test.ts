import { parseDay } from '../../src/domain/day';
import { validatePriceItems, type PriceItemInput } from '../../src/ingest/price-items';

const ports = new Set(['CNSGH', 'NLRTM']);
const good: PriceItemInput = {
  originCode: 'CNSGH',
  destinationCode: 'NLRTM',
  day: '2016-02-29',
  price: 1234.5,
  currency: 'USD',
};

const errorsOf = (item: Partial<PriceItemInput>) =>
  validatePriceItems([{ ...good, ...item }], ports).errors.map(({ field, code }) => [field, code]);

describe('validatePriceItems', () => {
  it('turns a valid item into exact cents, keeping its position and original amount', () => {
    const { prices, errors } = validatePriceItems([good, { ...good, price: 0.07, day: '2016-03-01' }], ports);
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
    [{ currency: 'EUR' }, [['currency', 'UNSUPPORTED_CURRENCY']]],
  ])('refuses %j', (item, expected) => {
    expect(errorsOf(item)).toEqual(expected);
  });

  it('accepts the edges of every rule', () => {
    expect(errorsOf({ price: 0.01 })).toEqual([]);
    expect(errorsOf({ price: 10_000_000 })).toEqual([]);
    expect(errorsOf({ price: 1.1 + 2.2 })).toEqual([]); // 3.3000000000000003 is 330 cents, not a third decimal
    expect(errorsOf({ day: '1970-01-01' })).toEqual([]);
    expect(errorsOf({ day: '2099-12-31' })).toEqual([]);
  });

  it('lists every wrong field of every item, with the value it got', () => {
    const { prices, errors } = validatePriceItems(
      [good, { ...good, originCode: 'XXXXX', price: -1, currency: 'EUR' }, good, { ...good, day: 'soon' }],
      ports,
    );
    expect(prices.map((p) => p.itemIndex)).toEqual([0, 2]);
    expect(errors).toEqual([
      { index: 1, field: 'originCode', code: 'UNKNOWN_LOCATION', message: expect.any(String), value: 'XXXXX' },
      { index: 1, field: 'price', code: 'BAD_USER_INPUT', message: 'must be greater than 0', value: -1 },
      { index: 1, field: 'currency', code: 'UNSUPPORTED_CURRENCY', message: expect.any(String), value: 'EUR' },
      { index: 3, field: 'day', code: 'BAD_USER_INPUT', message: expect.any(String), value: 'soon' },
    ]);
  });
});
