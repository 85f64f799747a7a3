import { createHash } from 'node:crypto';
import type { PriceItemInput } from './price-items';

/** originCode, destinationCode, day, price, currency: half the bytes of the same items as objects. */
type ItemTuple = [string, string, string, number, string];

/** A chunk's items as the operational store keeps them until a worker processes them. */
export function encodeChunkItems(items: readonly PriceItemInput[]): string {
  return JSON.stringify(
    items.map((item): ItemTuple => [item.originCode, item.destinationCode, item.day, item.price, item.currency]),
  );
}

export function decodeChunkItems(content: string): PriceItemInput[] {
  return (JSON.parse(content) as ItemTuple[]).map(([originCode, destinationCode, day, price, currency]) => ({
    originCode,
    destinationCode,
    day,
    price,
    currency,
  }));
}

/** Tells a retried chunk (same hash) from different content sent under the same index. */
export function chunkContentHash(content: string): string {
  return createHash('sha256').update(content).digest('base64url');
}
