import { addDays, daysInRange, formatDay } from '../domain/day';
import { dayRangeArguments } from '../domain/day-arguments';
import { badUserInput, RatelineError } from '../domain/errors';
import { contractTermOf, isContractTerm } from '../domain/freight-dimensions';
import { unreadableItem } from './chunk-content';
import { withoutUnstatedDimensions, type ItemProblem, type PriceItemInput } from './price-items';

/*
 * Rate sheets (POST /batches): the rows of a CSV or NDJSON file, read by the HTTP route, become the
 * items of a chunked batch here. A row names the item fields as GraphQL does (the CSV reader maps
 * its columns to them): a price for one `day`, or for every day of `dateFrom`..`dateTo` as
 * uploadPrice takes it, with its dimensions as uploadPrice takes them (a range implies a term unless
 * the row states one; a single day carries only what the row states). The codes are the worker's to check.
 */

/**
 * One row of a rate sheet: its 1-based line in the file and its fields, named as GraphQL items, or
 * why the reader could not make fields of the line (a wrong number of CSV fields, a line not JSON).
 */
export type SheetRow =
  | { readonly line: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly line: number; readonly problem: ItemProblem };

/** The fields a row may have; `currency` may be left out (USD), and a row has `day` or the range. */
export const SHEET_FIELDS = [
  'originCode',
  'destinationCode',
  'day',
  'dateFrom',
  'dateTo',
  'price',
  'currency',
  'containerType',
  'contractTerm',
] as const;

type SheetField = (typeof SHEET_FIELDS)[number];
type Fields = Readonly<Record<string, unknown>>;

/**
 * Items per chunk of a sheet's batch. A constant, never a setting: a retry of the same file must cut
 * the same chunks, so that a chunk appended before is recognised as a duplicate.
 */
export const SHEET_CHUNK_ITEMS = 10_000;

/** A decimal number as a CSV cell spells it (`1350.5`, `-3`); anything else is no price. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The columns a sheet's header names (as item fields) are enough for every row: both ports, the
 * price, and `day` or both range ends. Unknown names are the reader's to refuse (it knows the
 * spelling the client used).
 */
export function checkSheetFields(fields: readonly string[], nameOf: (field: SheetField) => string): void {
  const has = (field: SheetField) => fields.includes(field);
  const missing: SheetField[] = (['originCode', 'destinationCode', 'price'] as const).filter((field) => !has(field));
  if (!has('day') && !(has('dateFrom') && has('dateTo'))) missing.push('day');
  if (missing.length > 0) {
    throw badUserInput(
      'header',
      fields.map((field) => (isSheetField(field) ? nameOf(field) : field)).join(','),
      `The sheet's header lacks ${missing.map(nameOf).join(', ')}: it needs ${nameOf('originCode')}, ` +
        `${nameOf('destinationCode')}, ${nameOf('price')}, optionally ${nameOf('currency')}, and ${nameOf('day')} ` +
        `or ${nameOf('dateFrom')} and ${nameOf('dateTo')}`,
    );
  }
}

const SHEET_FIELD_SET: ReadonlySet<string> = new Set(SHEET_FIELDS);

export const isSheetField = (name: string): name is SheetField => SHEET_FIELD_SET.has(name);

/**
 * The items of one row: one for a `day`, one per day of a range (capped at `maxRangeDays`,
 * MAX_RATES_RANGE_DAYS, as uploadPrice is), each carrying the row's line. A row that cannot be read
 * as items (a field missing, unknown or of the wrong type, a bad range) is one unreadable item, which
 * the worker reports with its line like any invalid item.
 */
export function itemsOfRow(row: SheetRow, maxRangeDays: number): PriceItemInput[] {
  if ('problem' in row) return [unreadableItem(row.line, { ...row.problem, value: excerpt(row.problem.value) })];
  try {
    return readRow(row, maxRangeDays);
  } catch (error) {
    if (!(error instanceof RatelineError) || error.field === undefined) throw error;
    return [unreadableItem(row.line, { field: error.field, message: error.message, value: excerpt(error.value) })];
  }
}

const MAX_ECHOED_CHARS = 200;

/** What an unreadable line's error echoes: the value, or its first characters when it is long. */
function excerpt(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length <= MAX_ECHOED_CHARS) return value;
  return `${text.slice(0, MAX_ECHOED_CHARS)}…`;
}

function readRow({ line, fields }: Extract<SheetRow, { fields: unknown }>, maxRangeDays: number): PriceItemInput[] {
  let unknown: string | undefined;
  for (const name in fields) if (!isSheetField(name)) unknown ??= name;
  if (unknown !== undefined) {
    throw badUserInput(unknown, fields[unknown], `${unknown} is not an item field (${SHEET_FIELDS.join(', ')})`);
  }
  const originCode = requiredText(fields, 'originCode');
  const destinationCode = requiredText(fields, 'destinationCode');
  const price = priceOf(fields.price);
  const currency = optionalText(fields, 'currency') ?? 'USD';
  const day = optionalText(fields, 'day');
  const dateFrom = optionalText(fields, 'dateFrom');
  const dateTo = optionalText(fields, 'dateTo');
  const containerType = optionalText(fields, 'containerType') ?? null;
  const stated = optionalText(fields, 'contractTerm') ?? null;
  if (day !== undefined && dateFrom === undefined && dateTo === undefined) {
    return [
      withoutUnstatedDimensions({
        originCode,
        destinationCode,
        day,
        price,
        currency,
        containerType,
        contractTerm: stated,
        line,
      }),
    ];
  }
  if (day !== undefined || dateFrom === undefined || dateTo === undefined) {
    throw badUserInput(
      day === undefined ? (dateFrom === undefined ? 'dateFrom' : 'dateTo') : 'day',
      day ?? dateFrom ?? dateTo ?? null,
      'a row gives either day or both dateFrom and dateTo',
    );
  }
  const { from, to } = dayRangeArguments(
    { dateFrom, dateTo },
    { maxDays: maxRangeDays, setting: 'MAX_RATES_RANGE_DAYS' },
  );
  const days = daysInRange(from, to);
  // A stated term the worker refuses stays as stated, so that its error names it.
  const contractTerm = stated !== null && !isContractTerm(stated) ? stated : contractTermOf(stated, days);
  return Array.from({ length: days }, (_, offset) =>
    withoutUnstatedDimensions({
      originCode,
      destinationCode,
      day: formatDay(addDays(from, offset)),
      price,
      currency,
      containerType,
      contractTerm,
      line,
    }),
  );
}

/** A field given as text; empty (a CSV cell left blank) and null count as absent. */
function optionalText(fields: Fields, field: SheetField): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badUserInput(field, value, `${field} must be text`);
  return value;
}

function requiredText(fields: Fields, field: SheetField): string {
  const value = optionalText(fields, field);
  if (value === undefined) throw badUserInput(field, fields[field] ?? null, `${field} is required`);
  return value;
}

/** A JSON number, or a CSV cell holding a decimal number; its range and decimals are the worker's to check. */
function priceOf(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  throw badUserInput('price', value ?? null, 'price must be a number');
}
