import type { Batch, BatchActor, BatchChunk, BatchStatus, SettledStatus } from './batch';

/*
 * What each batch status allows, decided once for every adapter. Adapters apply these inside their own
 * atomic steps (a SQLite transaction, a MongoDB conditional update) and do not re-decide them.
 */

/** Statuses a retraction applies to: settled ones (a batch open or in a worker's hands has nothing to take back). */
export const RETRACTABLE_STATUSES = ['ACCEPTED', 'REJECTED'] as const satisfies readonly BatchStatus[];

/** Statuses whose prices count in analytics (a retracted batch's prices stay readable to take them back). */
export const PRICES_VISIBLE_STATUSES = ['ACCEPTED', 'RETRACTED'] as const satisfies readonly BatchStatus[];

/** Statuses a batch reaches only once it was committed to the feed: settled by a worker or at once. */
export const FEED_COMMITTED_STATUSES = ['ACCEPTED', 'REJECTED', 'RETRACTED'] as const satisfies readonly BatchStatus[];

/** Statuses after which a batch's prices no longer change (a retraction follows `ACCEPTED` only). */
export const SETTLED_BATCH_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'ACCEPTED',
  'REJECTED',
  'RETRACTED',
  'ABORTED',
  'EXPIRED',
]);

const ENDED_OPEN_STATUSES: ReadonlySet<BatchStatus> = new Set(['ABORTED', 'EXPIRED']);

/**
 * What a restored batch goes back to: what it was when it was retracted. Only settled batches are
 * retracted, and an `ACCEPTED` one always holds prices while a `REJECTED` one holds none, so the count
 * tells the two apart.
 */
export const restoredStatus = (batch: Pick<Batch, 'acceptedCount'>): SettledStatus =>
  batch.acceptedCount > 0 ? 'ACCEPTED' : 'REJECTED';

/** Whether `actor` sees and acts on `batch`: an admin every batch, a supplier its own. */
export const mayActOn = (actor: BatchActor, batch: Pick<Batch, 'owner'>): boolean =>
  actor.seesAll || batch.owner === actor.name;

export const arePricesVisible = (status: BatchStatus): boolean =>
  (PRICES_VISIBLE_STATUSES as readonly BatchStatus[]).includes(status);

export type AppendVerdict =
  | { readonly kind: 'appended' | 'duplicate' | 'conflict' | 'not-open' }
  | { readonly kind: 'too-many-items'; readonly maxItems: number };

/**
 * What appending `chunk` to `batch` answers. A chunk already kept under the same index (its content hash
 * in `keptHash`) is a retry, `duplicate` when the content matches and `conflict` otherwise, whatever the
 * batch's status: a client retrying after the commit must not be told off. Only then does the status
 * count (`not-open`), then the item limit.
 */
export function appendVerdict(
  batch: Pick<Batch, 'status' | 'itemCount'>,
  keptHash: string | undefined,
  chunk: Pick<BatchChunk, 'contentHash' | 'itemCount'>,
  maxItems: number,
): AppendVerdict {
  if (keptHash !== undefined) return { kind: keptHash === chunk.contentHash ? 'duplicate' : 'conflict' };
  if (batch.status !== 'OPEN') return { kind: 'not-open' };
  if (batch.itemCount + chunk.itemCount > maxItems) return { kind: 'too-many-items', maxItems };
  return { kind: 'appended' };
}

export type CommitVerdict =
  | { readonly kind: 'committed' | 'already-committed' | 'not-open' }
  | { readonly kind: 'missing-chunks'; readonly missing: readonly number[] };

/**
 * What committing `batch` answers, given the indexes of the chunks it holds (and, for an adapter that
 * reserves an index before storing its chunk, the reserved ones). Committing again is harmless
 * (`already-committed`); an aborted or expired batch cannot be committed (`not-open`).
 */
export function commitVerdict(
  batch: Pick<Batch, 'status'>,
  storedChunks: readonly number[],
  reservedChunks: readonly number[] = [],
): CommitVerdict {
  if (batch.status !== 'OPEN')
    return { kind: ENDED_OPEN_STATUSES.has(batch.status) ? 'not-open' : 'already-committed' };
  const missing = missingChunkIndexes(storedChunks, reservedChunks);
  return missing.length > 0 ? { kind: 'missing-chunks', missing } : { kind: 'committed' };
}

/** Indexes missing from 0..highest (stored or reserved); `[0]` when there is no chunk at all. */
function missingChunkIndexes(stored: readonly number[], reserved: readonly number[] = []): number[] {
  const present = new Set(stored);
  let highest = 0;
  for (const index of [...stored, ...reserved]) highest = Math.max(highest, index);
  return Array.from({ length: highest + 1 }, (_, i) => i).filter((i) => !present.has(i));
}

/**
 * A batch as an adapter stores it: everything a client reads except what follows from the rest, which
 * {@link batchOf} derives the same way for every adapter.
 */
export interface StoredBatch extends Omit<Batch, 'rejectedCount' | 'replicatedAt'> {
  /** When analytics first counted the batch's prices; null until then. */
  readonly countedAt: Date | null;
  /** When analytics applied its retraction; null until then (or when it was never retracted). */
  readonly retractionAppliedAt: Date | null;
}

/**
 * The batch clients read. `rejectedCount`: items checked that do not count. `replicatedAt`: when
 * analytics caught up with the batch's current state, so a retracted batch reads null until its
 * retraction is applied too.
 */
export function batchOf(stored: StoredBatch): Batch {
  const { countedAt, retractionAppliedAt, ...batch } = stored;
  return {
    ...batch,
    rejectedCount: stored.processedCount - stored.acceptedCount,
    replicatedAt: stored.status === 'RETRACTED' ? retractionAppliedAt : countedAt,
  };
}
