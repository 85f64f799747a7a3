import type { BatchChunk, NewOpenBatch } from '../../../domain/batch';
import { appendVerdict, commitVerdict } from '../../../domain/batch-rules';
import type {
  AppendChunkOutcome,
  ChunkedBatchStore,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  RecordBatchOutcome,
} from '../ports';
import type { BatchWrites } from './batch-writes';
import {
  chunkDocumentOf,
  chunkId,
  chunkIdRange,
  chunkIndexOf,
  openBatchDocumentOf,
  openClaimOf,
  toBatch,
  type BatchDocument,
  type MongoCollections,
} from './documents';
import { isDuplicateKey } from './errors';

/** A commit retries when appends reserve chunks while it runs; more than this many means misuse. */
const MAX_COMMIT_ATTEMPTS = 10;

/** An append of this chunk index was counted on the open batch (its chunk may not be stored yet). */
const isReserved = (doc: BatchDocument, chunkIndex: number): boolean =>
  doc.status === 'OPEN' && (doc.countedChunks ?? []).includes(chunkIndex);

/**
 * Chunked batches on MongoDB, without transactions. Unlike a single-request batch, a chunked batch's
 * document exists from `open` on; what commits it (to price readers and the change feed) is the one
 * update that settles it (batch-work.ts). Every step is a single-document update guarded by a filter,
 * ordered so that a crash between two writes leaves a state the next attempt completes. What each step
 * answers comes from the domain's rules (`appendVerdict`, `commitVerdict`); the filters are how MongoDB
 * applies them atomically. See docs/operational-store-mongodb.md.
 */
export class MongoChunkedBatches implements ChunkedBatchStore {
  constructor(
    private readonly collections: Pick<MongoCollections, 'batches' | 'batchChunks'>,
    private readonly writes: Pick<BatchWrites, 'claimKey' | 'insertBatch' | 'dropChunkContent'>,
  ) {}

  /** Claims the key, then inserts the `OPEN` document; a retry after a crash in between completes it. */
  async open(batch: NewOpenBatch): Promise<RecordBatchOutcome> {
    const claimed = await this.writes.claimKey(openClaimOf(batch));
    if ('kind' in claimed) return claimed;
    return this.writes.insertBatch(openBatchDocumentOf(batch, claimed.claim));
  }

  /**
   * 1. `appendVerdict` on the batch and any chunk stored under this index (a retry answers `duplicate`
   *    or `conflict` whatever the status), unless this index is reserved by an attempt that never stored
   *    its chunk: that one is completed.
   * 2. Reserve the chunk on the batch: one conditional update adds its items and its index to
   *    `countedChunks`, only while `OPEN`, not yet reserved, and within `maxItems`. Being atomic on one
   *    document, it keeps the limit under concurrent appends too.
   * 3. Insert the chunk. A crash after 2 leaves a reservation without a chunk: a retry finds it reserved
   *    and inserts, and `commit` lists it as missing until then. A chunk is never stored unreserved.
   */
  async append(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined> {
    const doc = await this.collections.batches.findOne({ _id: batchId });
    if (!doc) return undefined;
    const kept = await this.keptHash(batchId, chunk.index);
    if (kept !== undefined || !isReserved(doc, chunk.index)) {
      const verdict = appendVerdict(toBatch(doc), kept, chunk, maxItems);
      if (verdict.kind !== 'appended') return { ...verdict, batch: toBatch(doc) };
    }
    const reservation = await this.reserve(batchId, chunk, maxItems);
    if (!reservation || 'kind' in reservation) return reservation;
    try {
      await this.collections.batchChunks.insertOne(chunkDocumentOf(batchId, chunk));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A concurrent append of the same index stored its chunk first.
      const winner = await this.keptHash(batchId, chunk.index);
      if (winner === undefined) throw error;
      const current = toBatch((await this.collections.batches.findOne({ _id: batchId })) ?? reservation.reserved);
      return { ...appendVerdict(current, winner, chunk, maxItems), batch: current };
    }
    return { kind: 'appended', batch: toBatch(reservation.reserved) };
  }

  /**
   * Numbers the chunks' items across the batch (`firstItemIndex`) once `commitVerdict` finds none
   * missing (stored or reserved), then sets `COMMITTED` with the totals counted from the chunks. That
   * last update is filtered on the `chunkCount` read at the start: an append that reserved a chunk in
   * the meantime makes it match nothing, and the commit starts over, so no appended chunk is left out.
   */
  async commit(batchId: string): Promise<CommitBatchOutcome | undefined> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt += 1) {
      const doc = await this.collections.batches.findOne({ _id: batchId });
      if (!doc) return undefined;
      const chunks = await this.collections.batchChunks
        .find({ _id: chunkIdRange(batchId) }, { projection: { itemCount: 1 } })
        .sort({ _id: 1 })
        .toArray();
      const verdict = commitVerdict(
        toBatch(doc),
        chunks.map((c) => chunkIndexOf(c._id)),
        doc.countedChunks ?? [],
      );
      if (verdict.kind !== 'committed') return { ...verdict, batch: toBatch(doc) };
      // The same numbers on every attempt: chunks appended meanwhile come after these. One unordered bulk
      // write (one majority wait), not one round trip per chunk.
      let firstItemIndex = 0;
      const numbering = chunks.map((c) => {
        const update = { updateOne: { filter: { _id: c._id }, update: { $set: { firstItemIndex } } } };
        firstItemIndex += c.itemCount;
        return update;
      });
      if (numbering.length > 0) await this.collections.batchChunks.bulkWrite(numbering, { ordered: false });
      const committed = await this.collections.batches.findOneAndUpdate(
        { _id: batchId, status: 'OPEN', chunkCount: doc.chunkCount },
        {
          $set: { status: 'COMMITTED', openUntil: null, itemCount: firstItemIndex, chunkCount: chunks.length },
          $unset: { countedChunks: '' },
        },
        { returnDocument: 'after' },
      );
      if (committed) return { kind: 'committed', batch: toBatch(committed) };
    }
    throw new Error(`Batch ${batchId} kept taking chunks while it was being committed`);
  }

  /**
   * Ends an open batch, then removes its chunks' content. A crash in between leaves content nobody is
   * handed: chunks are served only for batches `COMMITTED` or `PROCESSING`.
   */
  async end(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined> {
    const ended = await this.collections.batches.findOneAndUpdate(
      { _id: batchId, status: 'OPEN' },
      { $set: { status, openUntil: null } },
      { returnDocument: 'after' },
    );
    if (!ended) {
      const doc = await this.collections.batches.findOne({ _id: batchId });
      return doc ? { kind: 'not-open', batch: toBatch(doc) } : undefined;
    }
    await this.writes.dropChunkContent(batchId);
    return { kind: 'ended', batch: toBatch(ended) };
  }

  async expireDue(now: Date): Promise<string[]> {
    const due = await this.collections.batches
      .find({ status: 'OPEN', openUntil: { $lte: now } }, { projection: { _id: 1 } })
      .toArray();
    const expired: string[] = [];
    for (const { _id } of due) {
      if ((await this.end(_id, 'EXPIRED'))?.kind === 'ended') expired.push(_id);
    }
    return expired;
  }

  /** The content hash of the chunk stored under this index, if one is. */
  private async keptHash(batchId: string, chunkIndex: number): Promise<string | undefined> {
    const kept = await this.collections.batchChunks.findOne(
      { _id: chunkId(batchId, chunkIndex) },
      { projection: { contentHash: 1 } },
    );
    return kept?.contentHash;
  }

  /**
   * Step 2 of `append`: the batch with this chunk reserved (by this call, or by an attempt that crashed
   * before storing its chunk or is storing it now), or what `appendVerdict` answers on the batch as it
   * is when the reservation matched nothing. Undefined when the batch is gone.
   */
  private async reserve(
    batchId: string,
    chunk: BatchChunk,
    maxItems: number,
  ): Promise<{ readonly reserved: BatchDocument } | AppendChunkOutcome | undefined> {
    for (;;) {
      const reserved = await this.collections.batches.findOneAndUpdate(
        {
          _id: batchId,
          status: 'OPEN',
          countedChunks: { $ne: chunk.index },
          itemCount: { $lte: maxItems - chunk.itemCount },
        },
        { $inc: { itemCount: chunk.itemCount, chunkCount: 1 }, $push: { countedChunks: chunk.index } },
        { returnDocument: 'after' },
      );
      if (reserved) return { reserved };
      const current = await this.collections.batches.findOne({ _id: batchId });
      if (!current) return undefined;
      if (isReserved(current, chunk.index)) return { reserved: current };
      const verdict = appendVerdict(toBatch(current), undefined, chunk, maxItems);
      // 'appended' here means the batch changed between the two reads: reserve again.
      if (verdict.kind !== 'appended') return { ...verdict, batch: toBatch(current) };
    }
  }
}
