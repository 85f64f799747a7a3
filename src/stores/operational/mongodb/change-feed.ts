import { setTimeout as sleep } from 'node:timers/promises';
import {
  BSON,
  type ChangeStream,
  type ChangeStreamOptions,
  type Collection,
  type Db,
  type MongoClient,
  type ResumeToken,
} from 'mongodb';
import { FEED_COMMITTED_STATUSES } from '../../../domain/batch-rules';
import type { Logger } from '../../../logging/logger';
import type { BatchChange, ChangeFeed, ChangeFeedReader, FeedBacklog, FeedPosition } from '../change-feed';
import {
  BATCH_CHANGE_PIPELINE,
  MongoFeedRestart,
  afterToken,
  batchChangeOf,
  clusterTimeAfter,
  decodePosition,
  encodePosition,
  feedErrorOf,
  fromTimestamp,
  toTimestamp,
  type BatchChangeEvent,
  type ClusterTime,
  type FeedRestartReason,
  type MongoFeedPosition,
  type SnapshotKey,
} from './change-events';
import { COLLECTIONS, type BatchDocument, type BatchEventDocument } from './documents';

export interface MongoChangeFeedOptions {
  /** Longest a change-stream `getMore` waits on the server for new events. */
  readonly awaitMs: number;
  /** Batch documents per read of the snapshot's list. */
  readonly snapshotPageSize: number;
}

/**
 * What the change feed tells its observer; the composition root points it at a metric (the store
 * imports no observability).
 */
export interface MongoChangeFeedEvents {
  /** A follower must start over from a snapshot, for this reason (also logged as a warning). */
  restartRequired(reason: FeedRestartReason): void;
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
    private readonly events: MongoChangeFeedEvents,
  ) {}

  async follow(from: FeedPosition | null): Promise<ChangeFeedReader> {
    let position: MongoFeedPosition;
    try {
      position =
        from === null ? { snapshot: { at: await this.majorityClusterTime(), after: START } } : decodePosition(from);
    } catch (error) {
      throw this.reported(error);
    }
    return new MongoFeedReader(this.db, position, this.options, this.log, (error) => this.reported(error));
  }

  /** The error a follower sees; a restart is logged and counted here, where its reason is known. */
  private reported(error: unknown): unknown {
    const feedError = feedErrorOf(error);
    if (feedError instanceof MongoFeedRestart) {
      this.log.warn(
        { reason: feedError.reason, detail: feedError.message },
        'change feed must restart from a snapshot',
      );
      this.events.restartRequired(feedError.reason);
    }
    return feedError;
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
  /** Where the snapshot starts: the last change a follower applied, or before the first. */
  readonly after: SnapshotKey;
  /** Every change of the snapshot after `after`, read at once; the next one to hand out is `entries[next]`. */
  entries?: readonly SnapshotEntry[];
  next: number;
}

const TIMED_OUT = Symbol('timed out');

class MongoFeedReader implements ChangeFeedReader {
  private snapshot: SnapshotState | undefined;
  private readonly streamStart: ChangeStreamOptions;
  private stream: ChangeStream<BatchEventDocument, BatchChangeEvent> | undefined;
  /** A `tryNext` still running when a `next` gave up waiting: the following `next` picks up its event. */
  private pending: Promise<BatchChangeEvent | null> | undefined;
  /** The resume token of the last change handed out. */
  private lastToken: ResumeToken;
  private readonly batches: Collection<BatchDocument>;

  constructor(
    private readonly db: Db,
    position: MongoFeedPosition,
    private readonly options: MongoChangeFeedOptions,
    private readonly log: Logger,
    private readonly errorOf: (error: unknown) => unknown,
  ) {
    this.batches = db.collection<BatchDocument>(COLLECTIONS.batches);
    if ('snapshot' in position) {
      this.snapshot = { at: position.snapshot.at, after: position.snapshot.after, next: 0 };
      this.streamStart = { startAtOperationTime: toTimestamp(clusterTimeAfter(position.snapshot.at)) };
    } else if ('startAtOperationTime' in position) {
      this.streamStart = { startAtOperationTime: toTimestamp(position.startAtOperationTime) };
    } else {
      this.streamStart = { resumeAfter: position.resumeAfter };
      this.lastToken = position.resumeAfter;
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
      throw this.errorOf(error);
    }
  }

  /**
   * The stream's post-batch resume token once it has passed events that were no change (or none at all)
   * since the last change handed out: after every change answered, and later in the oplog than the last
   * one's token, which a quiet spell of price inserts would roll out of the oplog. Undefined inside the
   * snapshot, while a read is still out (its event may not have been handed out yet), or when the
   * stream is no further than the last change.
   */
  quietPosition(): FeedPosition | undefined {
    if (this.snapshot || this.pending || !this.stream) return undefined;
    const token = this.stream.resumeToken;
    if (!token || BSON.EJSON.stringify(token) === BSON.EJSON.stringify(this.lastToken ?? null)) return undefined;
    return encodePosition(afterToken(token));
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
  }

  private async nextFromSnapshot(snapshot: SnapshotState, max: number): Promise<BatchChange[]> {
    // The whole list first, in a few fast reads at T, and only then the changes one by one: handing them
    // out page by page while the follower copies prices took longer than the server keeps history for a
    // snapshot read (minSnapshotHistoryWindowInSeconds, 300 s), and the next page failed SnapshotTooOld.
    const entries = (snapshot.entries ??= await this.listSnapshot(snapshot.at, snapshot.after));
    const changes: BatchChange[] = [];
    for (; changes.length < max && snapshot.next < entries.length; snapshot.next += 1) {
      const entry = entries[snapshot.next]!;
      // The snapshot's last change carries the stream's start as its position: a follower that stops
      // there resumes with the stream, not with a snapshot read that may be too old by then.
      const position: MongoFeedPosition =
        snapshot.next === entries.length - 1
          ? { startAtOperationTime: clusterTimeAfter(snapshot.at) }
          : { snapshot: { at: snapshot.at, after: entry.key } };
      changes.push({ kind: entry.key.kind, batchId: entry.key.id, position: encodePosition(position), at: entry.at });
    }
    return changes;
  }

  /**
   * Every change of the snapshot after `after`: committed batch documents as they were at cluster time
   * `at`, of each only what the feed needs (a small projection, kept in memory until handed out).
   * Pages are separate `find` commands (not one cursor's `getMore`s), so each may go to any mongos.
   */
  private async listSnapshot(at: ClusterTime, after: SnapshotKey): Promise<SnapshotEntry[]> {
    const entries: SnapshotEntry[] = [];
    for (let from = after; ;) {
      const docs = await this.readSnapshotPage(at, from);
      for (const doc of docs) {
        const createdAt = doc.createdAt.getTime();
        const kept: SnapshotEntry[] = [{ key: { createdAt, id: doc._id, kind: 'committed' }, at: committedAtOf(doc) }];
        if (doc.status === 'RETRACTED') {
          kept.push({ key: { createdAt, id: doc._id, kind: 'retracted' }, at: doc.retractedAt ?? doc.createdAt });
        }
        // A page starts at its predecessor's last document, whose retraction may still be to come.
        entries.push(...kept.filter((entry) => compareKeys(entry.key, from) > 0));
      }
      if (docs.length < this.options.snapshotPageSize) return entries;
      from = entries.at(-1)?.key ?? from;
    }
  }

  /** Committed batch documents at cluster time `at` from `from`'s document on, in snapshot order. */
  private async readSnapshotPage(at: ClusterTime, from: SnapshotKey): Promise<BatchEventDocument[]> {
    // Open, waiting or in-progress chunked batches (and ended ones) are not committed: not in the feed.
    const committed = { status: { $in: [...FEED_COMMITTED_STATUSES] } };
    const filter = Number.isFinite(from.createdAt)
      ? {
          ...committed,
          $or: [
            { createdAt: { $gt: new Date(from.createdAt) } },
            { createdAt: new Date(from.createdAt), _id: { $gte: from.id } },
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
      readConcern: { level: 'snapshot', atClusterTime: toTimestamp(at) },
    });
    return (reply as { cursor: { firstBatch: BatchEventDocument[] } }).cursor.firstBatch;
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
      if (change) {
        changes.push(change);
        this.lastToken = event._id;
      }
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
