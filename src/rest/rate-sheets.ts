import { finished, type Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { badUserInput, RatelineError } from '../domain/errors';
import { checkSheetFields, type SheetRow } from '../ingest';

/*
 * The readers of POST /batches: a request body, as a stream, becomes the rows of a rate sheet, pulled
 * one at a time, so that the body is read only as fast as the ingest service takes rows (backpressure:
 * while a chunk is being appended, nothing more is read). Both formats go through csv-parse, the
 * streaming parser: it bounds a line's length (MAX_LINE_CHARS) and counts lines, which readline does
 * not (a single endless line would be held in memory whole).
 */

/**
 * Longest line taken, in characters: a row is about 60; a longer line fails the sheet with its line
 * number. It also bounds what an item error can echo of a line (a batch keeps up to 1,000 errors).
 */
const MAX_LINE_CHARS = 4096;

/** The CSV columns and the item fields they fill. */
const CSV_COLUMNS: Readonly<Record<string, string>> = {
  origin: 'originCode',
  destination: 'destinationCode',
  day: 'day',
  date_from: 'dateFrom',
  date_to: 'dateTo',
  price: 'price',
  currency: 'currency',
  container_type: 'containerType',
  contract_term: 'contractTerm',
};

const COMMON_OPTIONS: Options = {
  bom: true,
  // Files edited on several systems mix line ends; the first one would otherwise be taken for all.
  record_delimiter: ['\r\n', '\n'],
  relax_column_count: true,
  max_record_size: MAX_LINE_CHARS,
};

/** One record and the 1-based line it starts on. */
interface ParsedRecord {
  readonly record: string[];
  readonly line: number;
}

export type SheetReader = (body: Readable) => AsyncGenerator<SheetRow>;

/**
 * `text/csv`: a header row naming the columns (any order, any case: origin, destination, price,
 * optionally currency, and day or date_from and date_to), then one row per price or range. A header
 * that names an unknown column, a column twice, or lacks one is the request's error (BAD_USER_INPUT,
 * before any row is taken); a row with another number of fields than the header is an unreadable item.
 */
export async function* csvRows(body: Readable): AsyncGenerator<SheetRow> {
  let fields: string[] | undefined;
  for await (const { record, line } of parsed(body, { ...COMMON_OPTIONS, trim: true })) {
    if (!fields) {
      fields = headerFields(record);
      continue;
    }
    if (record.length !== fields.length) {
      yield {
        line,
        problem: {
          field: 'line',
          message: `the line has ${record.length} fields; the header names ${fields.length}`,
          value: record.join(','),
        },
      };
      continue;
    }
    const row: Record<string, string | undefined> = {};
    for (let i = 0; i < fields.length; i += 1) row[fields[i] as string] = record[i];
    yield { line, fields: row };
  }
}

function headerFields(header: readonly string[]): string[] {
  const columns = header.map((cell) => cell.toLowerCase());
  const unknown = columns.find((column) => CSV_COLUMNS[column] === undefined);
  if (unknown !== undefined) {
    throw badUserInput(
      'header',
      header.join(','),
      `The sheet's header names the unknown column ${JSON.stringify(unknown)}; columns: ${Object.keys(CSV_COLUMNS).join(', ')}`,
    );
  }
  const twice = columns.find((column, i) => columns.indexOf(column) !== i);
  if (twice !== undefined) {
    throw badUserInput('header', header.join(','), `The sheet's header names the column ${twice} twice`);
  }
  const fields = columns.map((column) => CSV_COLUMNS[column] as string);
  const columnOf = (field: string) => Object.keys(CSV_COLUMNS).find((column) => CSV_COLUMNS[column] === field) ?? field;
  checkSheetFields(fields, columnOf);
  return fields;
}

/**
 * `application/x-ndjson`: one JSON object per line with the fields of a GraphQL item (originCode,
 * destinationCode, price, optionally currency, and day or dateFrom and dateTo); blank lines are
 * ignored. A line that is not a JSON object is an unreadable item. The lines are split by csv-parse
 * with quoting off and NUL as the field separator, which valid JSON text never holds unescaped.
 */
export async function* ndjsonRows(body: Readable): AsyncGenerator<SheetRow> {
  const options: Options = { ...COMMON_OPTIONS, delimiter: '\u0000', quote: false, escape: false };
  for await (const { record, line } of parsed(body, options)) {
    const text = record.join('\u0000');
    if (text.trim() === '') continue;
    yield ndjsonRow(text, line);
  }
}

function ndjsonRow(text: string, line: number): SheetRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, problem: { field: 'line', message: 'the line is not JSON', value: text } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, problem: { field: 'line', message: 'the line is not a JSON object', value: text } };
  }
  return { line, fields: value as Record<string, unknown> };
}

/**
 * The records of `body`, pulled one at a time, with the line each starts on, blank lines left out.
 * Lines are counted here (each record takes one line, plus the line breaks inside its quoted fields):
 * csv-parse's own per-record `info` doubled the cost of parsing (measured). A body that breaks off (the client gone) fails the
 * iteration; so does a line csv-parse cannot take (an unclosed quote, a line over MAX_LINE_CHARS),
 * as BAD_USER_INPUT naming its line. Whenever the iteration stops early, the rest of the body is read
 * and dropped, so that the answer still reaches a client that is still sending.
 */
async function* parsed(body: Readable, options: Options): AsyncGenerator<ParsedRecord> {
  const parser = parse(options);
  finished(body, (error) => {
    if (error) parser.destroy(error);
  });
  body.pipe(parser);
  let line = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const first = line + 1;
      line = first + lineBreaksIn(record);
      if (record.length !== 1 || record[0] !== '') yield { record, line: first };
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const { lines } = error as CsvError & { lines?: number };
    throw new RatelineError(
      'BAD_USER_INPUT',
      `The sheet cannot be read${lines === undefined ? '' : ` at line ${lines}`}: ${error.message}`,
      'body',
      null,
      { line: lines ?? null },
    );
  } finally {
    body.unpipe(parser);
    body.resume();
  }
}

function lineBreaksIn(record: readonly string[]): number {
  let breaks = 0;
  for (const field of record) {
    for (let at = field.indexOf('\n'); at !== -1; at = field.indexOf('\n', at + 1)) breaks += 1;
  }
  return breaks;
}
