import DataLoader from 'dataloader';
import type { Batch, BatchActor } from '../domain/batch';
import { mayActOn } from '../domain/batch-rules';
import { badUserInput } from '../domain/errors';
import type { BatchCursor, BatchStore } from '../stores/operational';

export const DEFAULT_BATCH_PAGE_SIZE = 20;
const MAX_BATCH_PAGE_SIZE = 100;

export interface BatchPageView {
  readonly batches: readonly Batch[];
  readonly hasNextPage: boolean;
  /** Pass as `after` to continue; null on an empty page. */
  readonly endCursor: string | null;
}

/**
 * Reads of batches for one request, as its actor may see them: lookups by id are batched and cached
 * through a DataLoader; another supplier's batch reads as none.
 */
export interface BatchReader {
  batch(id: string): Promise<Batch | undefined>;
  batches(first: number, after: string | null | undefined): Promise<BatchPageView>;
}

export class BatchQueries {
  constructor(private readonly batches: BatchStore) {}

  forRequest(actor: BatchActor): BatchReader {
    const byId = new DataLoader<string, Batch | undefined>(async (ids) =>
      (await this.batches.byIds(ids)).map((batch) => (batch && mayActOn(actor, batch) ? batch : undefined)),
    );
    const ownedBy = actor.seesAll ? undefined : actor.name;
    return {
      batch: (id) => byId.load(id),
      batches: async (first, after) => {
        if (!Number.isInteger(first) || first < 1 || first > MAX_BATCH_PAGE_SIZE) {
          throw badUserInput('first', first, `first must be between 1 and ${MAX_BATCH_PAGE_SIZE}`);
        }
        const page = await this.batches.page(first, after == null ? undefined : decodeCursor(after), ownedBy);
        for (const batch of page.batches) byId.prime(batch.id, batch);
        const last = page.batches.at(-1);
        return { batches: page.batches, hasNextPage: page.hasMore, endCursor: last ? encodeCursor(last) : null };
      },
    };
  }
}

/** Cursors are opaque to clients; inside, the last batch's creation time and id. */
function encodeCursor(batch: Batch): string {
  return Buffer.from(JSON.stringify([batch.createdAt.getTime(), batch.id])).toString('base64url');
}

function decodeCursor(cursor: string): BatchCursor {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && Number.isSafeInteger(decoded[0]) && typeof decoded[1] === 'string') {
      return { createdAt: new Date(decoded[0] as number), id: decoded[1] };
    }
  } catch {
    // Falls through to the error below: any malformed cursor gets the same answer.
  }
  throw badUserInput('after', cursor, 'after must be an endCursor returned by batches');
}
