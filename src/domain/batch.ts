import type { EpochDay } from './day';
import type { ErrorCode } from './errors';

/**
 * Where a batch stands. `ACCEPTED`: its valid prices are durable and count in analytics once
 * replicated. `REJECTED`: it was submitted with `skipInvalid` and no item was valid, so nothing counts.
 * `RETRACTED`: its prices stopped counting (once the retraction is replicated).
 */
export type BatchStatus = 'ACCEPTED' | 'REJECTED' | 'RETRACTED';

/** Why one item of a batch was refused; `index` is its position in the submitted list. */
export interface BatchItemError {
  readonly index: number;
  readonly field: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly value: unknown;
}

/** One price as the stores keep it: exact integer cents, its original amount and currency alongside. */
export interface PriceRecord {
  /** Position of the item in its batch; (batchId, itemIndex) identifies a price in every store. */
  readonly itemIndex: number;
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: EpochDay;
  readonly usdCents: number;
  readonly currency: string;
  /** The amount as submitted, in minor units of `currency`. */
  readonly amountMinor: number;
  /** The rate `usdCents` was converted at: US dollars per unit of `currency`, decimal text ("1" for USD). */
  readonly usdPerUnit: string;
}

export interface Batch {
  readonly id: string;
  readonly idempotencyKey: string;
  /** Fingerprint of the request that created it (see {@link NewBatch.requestHash}). */
  readonly requestHash: string;
  readonly status: BatchStatus;
  readonly itemCount: number;
  readonly acceptedCount: number;
  readonly rejectedCount: number;
  readonly errors: readonly BatchItemError[];
  readonly createdAt: Date;
  readonly retractedAt: Date | null;
  /** When analytics last caught up with this batch's state (its prices, or their retraction). */
  readonly replicatedAt: Date | null;
}

/** A batch ready to be recorded: validated, with the prices that will count. */
export interface NewBatch {
  readonly id: string;
  readonly idempotencyKey: string;
  /** Fingerprint of the request, so that reusing a key for different content is refused. */
  readonly requestHash: string;
  readonly status: BatchStatus;
  readonly itemCount: number;
  readonly errors: readonly BatchItemError[];
  readonly createdAt: Date;
  readonly prices: readonly PriceRecord[];
}

/**
 * `replicatedAt` as clients see it: the time analytics caught up with the batch's current state, so a
 * retracted batch reads null until its retraction is applied too.
 */
export function replicatedAtFor(
  status: BatchStatus,
  countedAt: Date | null,
  retractionAppliedAt: Date | null,
): Date | null {
  return status === 'RETRACTED' ? retractionAppliedAt : countedAt;
}
