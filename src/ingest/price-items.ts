import type { BatchItemError, PriceRecord } from '../domain/batch';
import { parseDay, type EpochDay } from '../domain/day';
import type { ErrorCode } from '../domain/errors';

/** One price as a client submits it (GraphQL has already checked the types). */
export interface PriceItemInput {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: string;
  readonly price: number;
  readonly currency: string;
}

/** Currencies accepted until conversion exists; every other valid code answers UNSUPPORTED_CURRENCY. */
export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(['USD']);

/** Highest accepted price: far above any container rate, low enough that cents stay exact integers. */
export const MAX_PRICE = 10_000_000;
const FIRST_DAY = parseDay('1970-01-01') as EpochDay;
const LAST_DAY = parseDay('2099-12-31') as EpochDay;

const hasWholeCents = (price: number): boolean => Math.abs(price * 100 - Math.round(price * 100)) < 1e-6;
const CURRENCY_CODE = /^[A-Z]{3}$/;

/**
 * The rules of one item that need no lookup, as plain checks: the same rules as a zod object schema
 * cost 2.4 µs per item (240 ms for a 100,000-item batch, measured); these, with the integer day
 * parser, about 0.7 µs.
 */
function checkRules(item: PriceItemInput, day: EpochDay | undefined, fail: Fail): void {
  if (day === undefined || day < FIRST_DAY || day > LAST_DAY) {
    fail('day', 'BAD_USER_INPUT', 'must be a calendar day written YYYY-MM-DD, from 1970-01-01 to 2099-12-31');
  }
  if (!(item.price > 0)) fail('price', 'BAD_USER_INPUT', 'must be greater than 0');
  else if (item.price > MAX_PRICE) fail('price', 'BAD_USER_INPUT', `must be at most ${MAX_PRICE}`);
  else if (!hasWholeCents(item.price)) fail('price', 'BAD_USER_INPUT', 'must have at most 2 decimal places');
  if (!CURRENCY_CODE.test(item.currency)) {
    fail('currency', 'BAD_USER_INPUT', 'must be a 3-letter ISO 4217 currency code such as USD');
  } else if (!SUPPORTED_CURRENCIES.has(item.currency)) {
    fail('currency', 'UNSUPPORTED_CURRENCY', `is not supported yet; only ${[...SUPPORTED_CURRENCIES].join(', ')}`);
  }
}

type Fail = (field: keyof PriceItemInput, code: ErrorCode, message: string) => void;

export interface ValidatedItems {
  readonly prices: PriceRecord[];
  readonly errors: BatchItemError[];
}

/**
 * Checks every item and converts the valid ones into stored prices. All errors are reported, several
 * per item when several fields are wrong, so a client can fix a whole batch in one round. Items are
 * numbered from `firstIndex` (a chunk's place in its batch).
 */
export function validatePriceItems(
  items: readonly PriceItemInput[],
  knownPorts: ReadonlySet<string>,
  firstIndex = 0,
): ValidatedItems {
  const prices: PriceRecord[] = [];
  const errors: BatchItemError[] = [];
  items.forEach((item, offset) => {
    const index = firstIndex + offset;
    const before = errors.length;
    const fail: Fail = (field, code, message) => errors.push({ index, field, code, message, value: item[field] });
    if (!knownPorts.has(item.originCode)) fail('originCode', 'UNKNOWN_LOCATION', 'is not a known port code');
    if (!knownPorts.has(item.destinationCode)) fail('destinationCode', 'UNKNOWN_LOCATION', 'is not a known port code');
    const day = parseDay(item.day);
    checkRules(item, day, fail);
    if (errors.length > before) return;
    const cents = Math.round(item.price * 100);
    prices.push({
      itemIndex: index,
      originCode: item.originCode,
      destinationCode: item.destinationCode,
      day: day as EpochDay,
      usdCents: cents,
      currency: item.currency,
      amountMinor: cents,
    });
  });
  return { prices, errors };
}

/** Distinct port codes the items name, to look up in one round trip. */
export function portCodesOf(items: readonly PriceItemInput[]): string[] {
  const codes = new Set<string>();
  for (const item of items) codes.add(item.originCode).add(item.destinationCode);
  return [...codes];
}
