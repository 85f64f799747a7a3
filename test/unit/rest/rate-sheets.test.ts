/**
 * The readers of POST /batches (rest/rate-sheets.ts) over real streams: the line each row starts on,
 * whatever the line ends, blank lines and quoted line breaks; the header's checks.
 */
import { Readable } from 'node:stream';
import type { SheetRow } from '../../../src/ingest';
import { csvRows, ndjsonRows } from '../../../src/rest/rate-sheets';

async function rows(reader: typeof csvRows, parts: string[]): Promise<SheetRow[]> {
  const read: SheetRow[] = [];
  for await (const row of reader(Readable.from(parts))) read.push(row);
  return read;
}

it('numbers CSV rows by the line they start on, across blank lines, CRLF and quoted line breaks', async () => {
  const read = await rows(csvRows, [
    '\uFEFFOrigin, destination ,day,price\r\n',
    'CNSGH,NLRTM,2036-01-01,1\r\n',
    '\n',
    '   \n',
    'CNSGH,"NL\nRTM",2036-01-02,2\n',
    'CNSGH,NLRTM,2036-01-03\n',
    'CNSGH,NLRTM,2036-01-04,4',
  ]);
  expect(read.map((row) => row.line)).toEqual([2, 5, 7, 8]);
  expect(read[0]).toEqual({
    line: 2,
    fields: { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2036-01-01', price: '1' },
  });
  expect(read[2]).toMatchObject({ line: 7, problem: { field: 'line' } });
});

it('refuses a header with an unknown, repeated or missing column', async () => {
  await expect(rows(csvRows, ['origin,destination,day,price,colour\n'])).rejects.toThrow('colour');
  await expect(rows(csvRows, ['origin,destination,day,price,day\n'])).rejects.toThrow('twice');
  await expect(rows(csvRows, ['origin,destination,date_from,price\n'])).rejects.toThrow('date_to');
});

it('reads NDJSON objects by line, blank lines left out, and a line that is no object as a problem', async () => {
  const read = await rows(ndjsonRows, [
    '{"originCode":"CNSGH","price":1}\r\n',
    '\n',
    '  \n',
    '[1]\n',
    'nope\n',
    '{"a":"x,\\"y\\""}',
  ]);
  expect(read).toEqual([
    { line: 1, fields: { originCode: 'CNSGH', price: 1 } },
    { line: 4, problem: { field: 'line', message: 'the line is not a JSON object', value: '[1]' } },
    { line: 5, problem: { field: 'line', message: 'the line is not JSON', value: 'nope' } },
    { line: 6, fields: { a: 'x,"y"' } },
  ]);
});

it('fails a line longer than the parser takes, naming the line', async () => {
  await expect(rows(ndjsonRows, ['{}\n', `"${'x'.repeat(5000)}"\n`])).rejects.toThrow('at line 2');
});
