/**
 * What a rate sheet's row means (ingest/rate-sheet.ts): a day, or every day of a range capped like
 * uploadPrice's, each item carrying the row's line; anything else one unreadable item with its line.
 */
import { itemsOfRow } from '../../../src/ingest/rate-sheet';

const lane = { originCode: 'CNSGH', destinationCode: 'NLRTM' };

it('makes one item of a day row, USD when no currency is given', () => {
  expect(itemsOfRow({ line: 7, fields: { ...lane, day: '2036-01-02', price: '1350.50', currency: '' } }, 3660)).toEqual(
    [{ ...lane, day: '2036-01-02', price: 1350.5, currency: 'USD', line: 7 }],
  );
});

it('makes one item per day of a range, both ends included', () => {
  const items = itemsOfRow(
    { line: 3, fields: { ...lane, dateFrom: '2036-02-27', dateTo: '2036-03-01', price: 900, currency: 'EUR' } },
    3660,
  );
  expect(items.map((item) => [item.day, item.price, item.currency, item.line])).toEqual([
    ['2036-02-27', 900, 'EUR', 3],
    ['2036-02-28', 900, 'EUR', 3],
    ['2036-02-29', 900, 'EUR', 3],
    ['2036-03-01', 900, 'EUR', 3],
  ]);
});

it('caps a range at the days allowed (MAX_RATES_RANGE_DAYS), as uploadPrice does', () => {
  const row = { line: 4, fields: { ...lane, dateFrom: '2036-01-01', dateTo: '2036-01-10', price: 1 } };
  expect(itemsOfRow(row, 10)).toHaveLength(10);
  const [refused, ...rest] = itemsOfRow(row, 9);
  expect(rest).toEqual([]);
  expect(refused?.line).toBe(4);
  expect(refused?.unreadable).toMatchObject({ field: 'dateTo', value: '2036-01-10' });
  expect(refused?.unreadable?.message).toContain('MAX_RATES_RANGE_DAYS');
});

it.each([
  ['a price that is no number', { ...lane, day: '2036-01-01', price: '12a' }, 'price'],
  [
    'a day and a range at once',
    { ...lane, day: '2036-01-01', dateFrom: '2036-01-01', dateTo: '2036-01-02', price: 1 },
    'day',
  ],
  ['half a range', { ...lane, dateFrom: '2036-01-01', price: 1 }, 'dateTo'],
  ['a range backwards', { ...lane, dateFrom: '2036-01-02', dateTo: '2036-01-01', price: 1 }, 'dateTo'],
  ['no origin', { destinationCode: 'NLRTM', day: '2036-01-01', price: 1 }, 'originCode'],
  ['a port code that is no text', { ...lane, originCode: 42, day: '2036-01-01', price: 1 }, 'originCode'],
  ['a field items do not have', { ...lane, day: '2036-01-01', price: 1, colour: 'red' }, 'colour'],
])('makes one unreadable item of %s', (_case, fields, field) => {
  const items = itemsOfRow({ line: 9, fields }, 3660);
  expect(items).toHaveLength(1);
  expect(items[0]?.line).toBe(9);
  expect(items[0]?.unreadable?.field).toBe(field);
});

it('cuts a long value an unreadable line echoes', () => {
  const [item] = itemsOfRow(
    { line: 2, problem: { field: 'line', message: 'the line is not JSON', value: 'x'.repeat(1000) } },
    3660,
  );
  expect(String(item?.unreadable?.value).length).toBeLessThan(250);
});
