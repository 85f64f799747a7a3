import { createHash } from 'node:crypto';
import type { ItemProblem, PriceItemInput } from './price-items';

/**
 * originCode, destinationCode, day, price, currency, for an item of a rate sheet its line, and the
 * item's dimensions when it states one (the line null if it has none): half the bytes of the same
 * items as objects. Chunks kept before rate sheets existed hold 5-tuples, before dimensions 5 or 6.
 */
type ItemTuple =
  | [string, string, string, number, string]
  | [string, string, string, number, string, number]
  | [string, string, string, number, string, number | null, string | null, string | null];
/** A rate sheet's line that is no item: its line first (a number, where an item has a port code). */
type UnreadableTuple = [number, string, string, unknown];

/** A chunk's items as the operational store keeps them until a worker processes them. */
export function encodeChunkItems(items: readonly PriceItemInput[]): string {
  return JSON.stringify(items.map(tupleOf));
}

function tupleOf(item: PriceItemInput): ItemTuple | UnreadableTuple {
  const { line, unreadable, containerType = null, contractTerm = null } = item;
  if (containerType !== null || contractTerm !== null) {
    const fields = [item.originCode, item.destinationCode, item.day, item.price, item.currency] as const;
    return [...fields, line ?? null, containerType, contractTerm];
  }
  if (line === undefined) return [item.originCode, item.destinationCode, item.day, item.price, item.currency];
  if (unreadable) return [line, unreadable.field, unreadable.message, unreadable.value];
  return [item.originCode, item.destinationCode, item.day, item.price, item.currency, line];
}

export function decodeChunkItems(content: string): PriceItemInput[] {
  return (JSON.parse(content) as (ItemTuple | UnreadableTuple)[]).map(itemOf);
}

function itemOf(tuple: ItemTuple | UnreadableTuple): PriceItemInput {
  if (typeof tuple[0] === 'number') {
    const [line, field, message, value] = tuple as UnreadableTuple;
    return unreadableItem(line, { field, message, value });
  }
  const [originCode, destinationCode, day, price, currency, line, containerType, contractTerm] = tuple as ItemTuple;
  return {
    originCode,
    destinationCode,
    day,
    price,
    currency,
    ...(line == null ? {} : { line }),
    ...(containerType == null ? {} : { containerType }),
    ...(contractTerm == null ? {} : { contractTerm }),
  };
}

/**
 * The item a line that could not be read stands for, so that validation reports it like any invalid
 * item and `skipInvalid` decides for it. Its other fields are neutral: USD needs no exchange rate.
 */
export function unreadableItem(line: number, problem: ItemProblem): PriceItemInput {
  return { originCode: '', destinationCode: '', day: '', price: 0, currency: 'USD', line, unreadable: problem };
}

/** Tells a retried chunk (same hash) from different content sent under the same index. */
export function chunkContentHash(content: string): string {
  return createHash('sha256').update(content).digest('base64url');
}
