import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeStream, ChangeStreamOptions, Collection, Db, MongoClient } from 'mongodb';
import { FEED_COMMITTED_STATUSES } from '../../../domain/batch-rules';
import type { Logger } from '../../../logging/logger';
import type { BatchChange, ChangeFeed, ChangeFeedReader, FeedBacklog, FeedPosition } from '../change-feed';
import {
  BATCH_CHANGE_PIPELINE,
  batchChangeOf,
  clusterTimeAfter,
  decodePosition,
  encodePosition,
  feedErrorOf,
  fromTimestamp,
  toTimestamp,
  type BatchChangeEvent,
  type ClusterTime,
  type MongoFeedPosition,
  type SnapshotKey,
} from './change-events';
import { COLLECTIONS, type BatchDocument, type BatchEventDocument } from './documents';

export interface MongoChangeFeedOptions {
  /** Longest a change-stream `getMore` waits on the server for new events. */
  readonly awaitMs: number;
  /** Batch documents per snapshot read. */
  readonly snapshotPageSize: number;
}

/** When a batch was committed: documents from before chunked batches carry no `committedAt`. */
const committedAtOf = (doc: Pick<BatchDocument, 'createdAt' | 'committedAt'>): Date => doc.committedAt ?? doc.createdAt;

/**
 * The MongoDB adapter's change feed: a change stream on `batches` (whose commits are the inserts of
 * single-request batches and the updates that settle chunked ones), preceded for a new follower by a
 * snapshot of every committed batch read at one cluster time T, with the stream starting right after T,
 * so that the two neither overlap nor leave a gap. Needs a replica set or a sharded cluster (MongoDB 5.0+
 * for snapshot reads outside transactions).
 */
export class MongoChangeFeed implements ChangeFeed {
  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly options: MongoChangeFeedOptions,
    private readonly log: Logger,
  ) {}

  async follow(from: FeedPosition | null): Promise<ChangeFeedReader> {
    const position: MongoFeedPosition =
      from === null ? { snapshot: { at: await this.majorityClusterTime(), after: START } } : decodePosition(from);
    return new MongoFeedReader(this.db, position, this.options, this.log);
  }

  /**
   * A resume token cannot be counted from, so the backlog is answered from state, whatever `after` is:
   * commits not yet marked counted, plus retractions not yet marked applied. A chunked batch that is not
   * settled yet is no commit (its status is none of the committed ones). The replicator marks what
   * it applied before it stores the position, so this equals "changes after its position" once it has
   * applied them.
   */
  async backlog(_after: FeedPosition | null): Promise<FeedBacklog> {
    const batches = this.db.collection<BatchDocument>(COLLECTIONS.batches);
    const uncounted = { countedAt: null, status: { $in: [...FEED_COMMITTED_STATUSES] } };
    const unapplied = { status: 'RETRACTED' as const, retractionAppliedAt: null };
    // FerretDB 1.24 has no $min accumulator; the oldest of each is one indexed sorted read anyway.
    const [commits, retractions, oldestCommit, oldestRetraction] = await Promise.all([
      batches.countDocuments(uncounted),
      batches.countDocuments(unapplied),
      batches.findOne(uncounted, {
        sort: { countedAt: 1, committedAt: 1 },
        projection: { createdAt: 1, committedAt: 1 },
      }),
      batches.findOne(unapplied, {
        sort: { status: 1, retractionAppliedAt: 1, retractedAt: 1 },
        projection: { retractedAt: 1 },
      }),
    ]);
    const times = [oldestCommit && committedAtOf(oldestCommit), oldestRetraction?.retractedAt].filter(
      (t): t is Date => t instanceof Date,
    );
    const oldestAt = times.length === 0 ? null : new Date(Math.min(...times.map((t) => t.getTime())));
    return { changes: commits + retractions, oldestAt };
  }

  /** A cluster time at which every acknowledged (majority) write is visible: the snapshot's time. */
  private async majorityClusterTime(): Promise<ClusterTime> {
    // The driver records a session's operationTime only for causally consistent sessions (the default).
    const session = this.client.startSession({ causalConsistency: true });
    try {
      await this.db
        .collection<BatchDocument>(COLLECTIONS.batches)
        .findOne({}, { session, readConcern: { level: 'majority' }, projection: { _id: 1 } });
      if (!session.operationTime) {
        throw new Error(
          'The MongoDB change feed needs a replica set or a sharded cluster: the server reports no cluster time ' +
            '(a standalone server or FerretDB has no change streams)',
        );
      }
      return fromTimestamp(session.operationTime);
    } finally {
      await session.endSession();
    }
  }
}

/** Before the first change of a snapshot. */
const START: SnapshotKey = { createdAt: Number.NEGATIVE_INFINITY, id: '', kind: 'committed' };

function compareKeys(a: SnapshotKey, b: SnapshotKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.kind === b.kind ? 0 : a.kind === 'committed' ? -1 : 1;
}

interface SnapshotEntry {
  readonly key: SnapshotKey;
  readonly at: Date;
}

interface SnapshotState {
  readonly at: ClusterTime;
  /** The last change taken into the buffer; the next page continues after it. */
  after: SnapshotKey;
  buffer: SnapshotEntry[];
  exhausted: boolean;
}

const TIMED_OUT = Symbol('timed out');

class MongoFeedReader implements ChangeFeedReader {
  private snapshot: SnapshotState | undefined;
  private readonly streamStart: ChangeStreamOptions;
  private stream: ChangeStream<BatchEventDocument, BatchChangeEvent> | undefined;
  /** A `tryNext` still running when a `next` gave up waiting: the following `next` picks up its event. */
  private pending: Promise<BatchChangeEvent | null> | undefined;
  private readonly batches: Collection<BatchDocument>;

  constructor(
    private readonly db: Db,
    position: MongoFeedPosition,
    private readonly options: MongoChangeFeedOptions,
    private readonly log: Logger,
  ) {
    this.batches = db.collection<BatchDocument>(COLLECTIONS.batches);
    if ('snapshot' in position) {
      this.snapshot = { at: position.snapshot.at, after: position.snapshot.after, buffer: [], exhausted: false };
      this.streamStart = { startAtOperationTime: toTimestamp(clusterTimeAfter(position.snapshot.at)) };
    } else if ('startAtOperationTime' in position) {
      this.streamStart = { startAtOperationTime: toTimestamp(position.startAtOperationTime) };
    } else {
      this.streamStart = { resumeAfter: position.resumeAfter };
    }
  }

  async next(max: number, waitMs: number): Promise<BatchChange[]> {
    try {
      if (this.snapshot) {
        const changes = await this.nextFromSnapshot(this.snapshot, max);
        if (changes.length > 0) return changes;
        this.snapshot = undefined;
      }
      return await this.nextFromStream(max, waitMs);
    } catch (error) {
      throw feedErrorOf(error);
    }
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
  }

  private async nextFromSnapshot(snapshot: SnapshotState, max: number): Promise<BatchChange[]> {
    const changes: BatchChange[] = [];
    while (changes.length < max) {
      if (snapshot.buffer.length === 0 && !snapshot.exhausted) await this.readSnapshotPage(snapshot);
      const entry = snapshot.buffer.shift();
      if (!entry) break;
      // Look ahead so that the snapshot's last change can carry the stream's start as its position:
      // a follower that stops there resumes with the stream, not with a snapshot read that may be too old.
      if (snapshot.buffer.length === 0 && !snapshot.exhausted) await this.readSnapshotPage(snapshot);
      const last = snapshot.buffer.length === 0 && snapshot.exhausted;
      const position: MongoFeedPosition = last
        ? { startAtOperationTime: clusterTimeAfter(snapshot.at) }
        : { snapshot: { at: snapshot.at, after: entry.key } };
      changes.push({ kind: entry.key.kind, batchId: entry.key.id, position: encodePosition(position), at: entry.at });
    }
    return changes;
  }

  /**
   * One page of batch documents as they were at the snapshot's cluster time. Pages are separate `find`
   * commands (not one cursor's `getMore`s), so each may go to any mongos of the cluster.
   */
  private async readSnapshotPage(snapshot: SnapshotState): Promise<void> {
    const after = snapshot.after;
    // Open, waiting or in-progress chunked batches (and ended ones) are not committed: not in the feed.
    const committed = { status: { $in: [...FEED_COMMITTED_STATUSES] } };
    const filter = Number.isFinite(after.createdAt)
      ? {
          ...committed,
          $or: [
            { createdAt: { $gt: new Date(after.createdAt) } },
            { createdAt: new Date(after.createdAt), _id: { $gte: after.id } },
          ],
        }
      : committed;
    const reply = await this.db.command({
      find: COLLECTIONS.batches,
      filter,
      sort: { createdAt: 1, _id: 1 },
      projection: { status: 1, createdAt: 1, committedAt: 1, retractedAt: 1 },
      limit: this.options.snapshotPageSize,
      singleBatch: true,
      readConcern: { level: 'snapshot', atClusterTime: toTimestamp(snapshot.at) },
    });
    const docs = (reply as { cursor: { firstBatch: BatchEventDocument[] } }).cursor.firstBatch;
    for (const doc of docs) {
      const createdAt = doc.createdAt.getTime();
      const entries: SnapshotEntry[] = [{ key: { createdAt, id: doc._id, kind: 'committed' }, at: committedAtOf(doc) }];
      if (doc.status === 'RETRACTED') {
        entries.push({ key: { createdAt, id: doc._id, kind: 'retracted' }, at: doc.retractedAt ?? doc.createdAt });
      }
      for (const entry of entries) {
        if (compareKeys(entry.key, snapshot.after) > 0) {
          snapshot.buffer.push(entry);
          snapshot.after = entry.key;
        }
      }
    }
    snapshot.exhausted = docs.length < this.options.snapshotPageSize;
  }

  private async nextFromStream(max: number, waitMs: number): Promise<BatchChange[]> {
    this.stream ??= this.batches.watch<BatchEventDocument, BatchChangeEvent>(BATCH_CHANGE_PIPELINE, {
      ...this.streamStart,
      maxAwaitTimeMS: this.options.awaitMs,
    });
    const stream = this.stream;
    const changes: BatchChange[] = [];
    const deadline = Date.now() + waitMs;
    while (changes.length < max) {
      // Once something arrived, take only what is already here rather than wait for more.
      const event = await this.pull(stream, changes.length > 0 ? 0 : Math.max(0, deadline - Date.now()));
      if (event === TIMED_OUT) break;
      if (event === null) {
        if (changes.length > 0 || Date.now() >= deadline) break;
        continue;
      }
      if (event.operationType === 'delete') {
        this.log.warn(
          { batchId: event.documentKey._id },
          'a batch document was deleted; Rateline never deletes batches, so its prices stop counting as if retracted',
        );
      }
      const change = batchChangeOf(event);
      if (change) changes.push(change);
    }
    return changes;
  }

  /** The stream's next event, or {@link TIMED_OUT} after `waitMs` with the read left running for later. */
  private async pull(
    stream: ChangeStream<BatchEventDocument, BatchChangeEvent>,
    waitMs: number,
  ): Promise<BatchChangeEvent | null | typeof TIMED_OUT> {
    if (!this.pending) {
      const pending = stream.tryNext();
      // Rejections are rethrown to whoever awaits it next; this only keeps an abandoned one from crashing Node.
      pending.catch(() => undefined);
      this.pending = pending;
    }
    const pending = this.pending;
    const timer = new AbortController();
    try {
      const result = await Promise.race([
        pending,
        sleep<typeof TIMED_OUT>(waitMs, TIMED_OUT, { signal: timer.signal }).catch((): typeof TIMED_OUT => TIMED_OUT),
      ]);
      if (result !== TIMED_OUT) this.pending = undefined;
      return result;
    } catch (error) {
      this.pending = undefined;
      throw error;
    } finally {
      timer.abort();
    }
  }
}
