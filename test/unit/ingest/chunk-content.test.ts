/**
 * Chunk contents as the operational store keeps them: chunks stored before rate sheets existed (5-tuples)
 * still decode, and a sheet's items keep their line, and an unreadable line its problem, through a round trip.
 */
import { decodeChunkItems, encodeChunkItems, unreadableItem } from '../../../src/ingest/chunk-content';

it('decodes a chunk in the format stored before rate sheets', () => {
  const stored = '[["CNSGH","NLRTM","2026-11-27",1350.5,"USD"],["CNSGH","NLRTM","2026-11-28",1298,"EUR"]]';
  expect(decodeChunkItems(stored)).toEqual([
    { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2026-11-27', price: 1350.5, currency: 'USD' },
    { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2026-11-28', price: 1298, currency: 'EUR' },
  ]);
});

it('keeps items sent as GraphQL in that format, with no line', () => {
  const items = [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2026-11-27', price: 1, currency: 'USD' }];
  expect(encodeChunkItems(items)).toBe('[["CNSGH","NLRTM","2026-11-27",1,"USD"]]');
});

it('carries a sheet item’s line and an unreadable line’s problem through a round trip', () => {
  const items = [
    { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2026-11-27', price: 1, currency: 'USD', line: 2 },
    unreadableItem(3, { field: 'price', message: 'price must be a number', value: 'abc' }),
  ];
  expect(decodeChunkItems(encodeChunkItems(items))).toEqual(items);
});
