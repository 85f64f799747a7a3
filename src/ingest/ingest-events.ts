/**
 * What a batch submission came to, as the write path reports it: `accepted` (recorded with valid
 * prices), `rejected` (recorded with no valid item, `skipInvalid`), `refused` (invalid, nothing
 * written), `replayed` (same idempotency key and content: the recorded batch answered), `conflict`
 * (key reused for other content), `failed` (the store failed while recording).
 */
export type BatchOutcome = 'accepted' | 'rejected' | 'refused' | 'replayed' | 'conflict' | 'failed';

/**
 * What the write path tells whoever observes it (the composition root points it at the metrics).
 * Calls are synchronous and must not throw: they report, they do not decide.
 */
export interface IngestEvents {
  /** A whole batch was answered, or a chunked batch settled. */
  batchOutcome(outcome: BatchOutcome): void;
  /** Prices recorded durably (acknowledged to a client, or settled by a worker); may be 0. */
  pricesAccepted(count: number): void;
}
