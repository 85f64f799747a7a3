import { createHash } from 'node:crypto';
import type { Batch } from '../domain/batch';
import { badUserInput, RatelineError } from '../domain/errors';

/*
 * The checks and answers a whole batch and a chunked batch share: the idempotency key, the item count
 * of one request, the request's fingerprint, and the error for a key reused for other content.
 */

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export function checkIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /\p{Cc}/u.test(key)) {
    throw badUserInput(
      'idempotencyKey',
      key,
      `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters without control characters`,
    );
  }
}

/** Items in one request (`what`: "A batch", "A chunk") against MAX_BATCH_ITEMS. */
export function checkItemCount(count: number, maxBatchItems: number, what: string): void {
  if (count === 0) throw badUserInput('items', count, `${what} needs at least one item`);
  if (count > maxBatchItems) {
    throw new RatelineError(
      'PAYLOAD_TOO_LARGE',
      `${what} holds at most ${maxBatchItems} items (MAX_BATCH_ITEMS); this one has ${count}: ` +
        'split it (a chunked batch takes any number of chunks)',
      'items',
      count,
    );
  }
}

/** Identifies a request's content, so that a key reused for something else is noticed. */
export function fingerprint(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
}

export function idempotencyConflict(key: string, earlier: Batch): RatelineError {
  return new RatelineError(
    'IDEMPOTENCY_KEY_REUSED',
    `The idempotencyKey ${JSON.stringify(key)} was used for a different batch (${earlier.id}); use a new key`,
    'idempotencyKey',
    key,
    { batchId: earlier.id },
  );
}
