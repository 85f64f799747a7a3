import type { EpochDay } from './day';
import type { ErrorCode } from './errors';
import type { PriceDimensions } from './freight-dimensions';

/**
 * Where a batch stands. A single-request batch is `ACCEPTED` or `REJECTED` when it is acknowledged; a
 * chunked one goes `OPEN` (taking chunks) → `COMMITTED` (waiting for a worker) → `PROCESSING` → `ACCEPTED`
 * or `REJECTED`, unless it is `ABORTED` or `EXPIRED` while open.
 *
 * `ACCEPTED`: its valid prices are durable and count in analytics once replicated. `REJECTED`: nothing
 * counts (no valid item, or an invalid one without `skipInvalid`). `RETRACTED`: its prices stopped
 * counting (once the retraction is replicated); an admin may restore it to what it was before.
 */
export type BatchStatus =
  'OPEN' | 'COMMITTED' | 'PROCESSING' | 'ACCEPTED' | 'REJECTED' | 'RETRACTED' | 'ABORTED' | 'EXPIRED';

/** How a worker settles a fully processed batch. */
export type SettledStatus = 'ACCEPTED' | 'REJECTED';

/**
 * How many item errors a batch keeps for clients to read; `errorCount` still counts them all. A
 * million-item batch with a systematic mistake would otherwise store and return a million entries.
 */
export const MAX_REPORTED_ITEM_ERRORS = 1000;

/** Why one item of a batch was refused; `index` is its position in the submitted list. */
export interface BatchItemError {
  readonly index: number;
  readonly field: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly value: unknown;
  /** The 1-based line of the rate sheet the item came from (POST /batches); absent for items sent as GraphQL. */
  readonly line?: number;
}

/**
 * One price as the stores keep it: exact integer cents, its original amount and currency alongside, and
 * what it is for (container type, contract term; null where the supplier said nothing: unspecified).
 */
export interface PriceRecord extends PriceDimensions {
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

/**
 * Who owns a batch: the name of the API key that submitted it. `null` is no supplier: the reference
 * dataset's seed batch, and batches recorded before batches had owners (only an admin sees those).
 */
export type BatchOwner = string | null;

/**
 * Who asks, as the write path sees it: `name` owns the batches it submits; without `seesAll` (an
 * admin) it sees and acts on those batches only, and any other batch is as unknown as an id that
 * names none.
 */
export interface BatchActor {
  readonly name: string;
  readonly seesAll: boolean;
}

export interface Batch {
  readonly id: string;
  readonly owner: BatchOwner;
  /** Unique per owner: two suppliers may use the same key for batches of their own. */
  readonly idempotencyKey: string;
  /** Fingerprint of the request that created it (see {@link NewBatch.requestHash}). */
  readonly requestHash: string;
  readonly status: BatchStatus;
  readonly skipInvalid: boolean;
  /** Items received (for a chunked batch: in the chunks appended so far). */
  readonly itemCount: number;
  /** Chunks appended; 0 for a batch submitted in one request. */
  readonly chunkCount: number;
  /** Items checked so far; equals `itemCount` once the batch is settled. */
  readonly processedCount: number;
  /** Items whose prices count (or counted, before a retraction). */
  readonly acceptedCount: number;
  /** Items checked that do not count. */
  readonly rejectedCount: number;
  /** The first {@link MAX_REPORTED_ITEM_ERRORS} item errors. */
  readonly errors: readonly BatchItemError[];
  /** Every item error, including those past the reported ones. */
  readonly errorCount: number;
  readonly createdAt: Date;
  /** An `OPEN` batch expires (its chunks are removed) unless committed by then; null otherwise. */
  readonly openUntil: Date | null;
  readonly retractedAt: Date | null;
  /** When analytics last caught up with this batch's state (its prices, or their retraction). */
  readonly replicatedAt: Date | null;
}

/** A batch ready to be recorded: validated, with the prices that will count. */
export interface NewBatch {
  readonly id: string;
  readonly owner: BatchOwner;
  readonly idempotencyKey: string;
  /** Fingerprint of the request, so that reusing a key for different content is refused. */
  readonly requestHash: string;
  readonly status: BatchStatus;
  /** As the client asked: a batch with no invalid item was still submitted with or without it. */
  readonly skipInvalid: boolean;
  readonly itemCount: number;
  readonly errors: readonly BatchItemError[];
  readonly createdAt: Date;
  readonly prices: readonly PriceRecord[];
}

/** A chunked batch about to be opened: it takes chunks until it is committed, aborted or expires. */
export interface NewOpenBatch {
  readonly id: string;
  readonly owner: BatchOwner;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly skipInvalid: boolean;
  readonly createdAt: Date;
  readonly openUntil: Date;
}

/**
 * One chunk of a chunked batch as the operational store keeps it until a worker has processed it. The
 * store treats `content` as opaque text; `contentHash` tells a retried chunk from a different one.
 */
export interface BatchChunk {
  readonly index: number;
  readonly itemCount: number;
  readonly contentHash: string;
  readonly content: string;
}

/** A chunk handed to a worker: its content and the batch-wide index of its first item. */
export interface ChunkToProcess {
  readonly index: number;
  readonly firstItemIndex: number;
  readonly content: string;
}

/** A committed batch leased to one worker, and where that worker (or the one before it) got to. */
export interface BatchWork {
  readonly batch: Batch;
  readonly holder: string;
  /** Chunks already processed: work resumes with the chunk of this index. */
  readonly processedChunks: number;
}

/** What a worker found in one chunk: the prices to write and the item errors to report. */
export interface ChunkOutcome {
  readonly chunkIndex: number;
  readonly itemCount: number;
  readonly prices: readonly PriceRecord[];
  /** The errors to keep (trimmed to what {@link MAX_REPORTED_ITEM_ERRORS} still allows). */
  readonly reportedErrors: readonly BatchItemError[];
  /** How many item errors the chunk had in all. */
  readonly errorCount: number;
}
