import { BSON, MongoServerError, Timestamp, type ChangeStreamDocument, type Document, type ResumeToken } from 'mongodb';
import type { BatchStatus, SettledStatus } from '../../../domain/batch';
import { FeedRestartRequired, type BatchChange, type BatchChangeKind, type FeedPosition } from '../change-feed';
import type { BatchEventDocument } from './documents';

/**
 * The statuses the write that commits a batch to the feed sets: the insert of a single-request batch's
 * document, the update that settles a chunked batch, and the update that restores a retracted batch
 * (a commit again: its prices count again). No other write sets them (a retraction sets `RETRACTED`),
 * so they tell a commit event from every other.
 */
const STATUSES_SET_BY_A_COMMIT = ['ACCEPTED', 'REJECTED'] as const satisfies readonly SettledStatus[];

/**
 * Why a MongoDB follower must start over from a snapshot (the label of the restarts counter):
 * - `not-a-position`: the position was not made by this adapter (a SQLite sequence number, garbage);
 * - `pipeline-changed`: a resume token made under an older {@link BATCH_CHANGE_PIPELINE_VERSION};
 * - `history-lost`: the oplog no longer holds the position (286, 280, 136);
 * - `snapshot-too-old`: a snapshot read older than the server keeps history for (239, 246);
 * - `invalid-position`: the server refused the resume token (260);
 * - `stream-ended`: the stream was invalidated (`batches` dropped or renamed).
 */
export type FeedRestartReason =
  'not-a-position' | 'pipeline-changed' | 'history-lost' | 'snapshot-too-old' | 'invalid-position' | 'stream-ended';

/** {@link FeedRestartRequired} with its reason, as the adapter reports it. */
export class MongoFeedRestart extends FeedRestartRequired {
  constructor(
    readonly reason: FeedRestartReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Where a MongoDB change feed continues. Serialised as EJSON text, the opaque {@link FeedPosition}:
 * - `resumeAfter`: after a change-stream event (its `_id`, the resume token), or after the stream's
 *   post-batch resume token (a quiet stream's place); `pipeline`, the
 *   {@link BATCH_CHANGE_PIPELINE_VERSION} the token was made under (absent: version 1);
 * - `startAtOperationTime`: the change stream from this cluster time on (inclusive);
 * - `snapshot`: inside the snapshot read at cluster time `at`, after the change `after`. Without it a
 *   crash in the middle of a snapshot would resume after the snapshot and lose its remainder.
 */
export type MongoFeedPosition =
  | { readonly resumeAfter: ResumeToken; readonly pipeline?: number }
  | { readonly startAtOperationTime: ClusterTime }
  | { readonly snapshot: { readonly at: ClusterTime; readonly after: SnapshotKey } };

/** A BSON Timestamp as plain numbers: seconds and the ordinal within the second. */
export interface ClusterTime {
  readonly t: number;
  readonly i: number;
}

/** Orders a snapshot's changes: by creation time, id, then a batch's commit before its retraction. */
export interface SnapshotKey {
  readonly createdAt: number;
  readonly id: string;
  readonly kind: BatchChangeKind;
}

export function encodePosition(position: MongoFeedPosition): FeedPosition {
  return BSON.EJSON.stringify(position, { relaxed: true });
}

/** The position after a change-stream resume token, made under the current pipeline. */
export const afterToken = (token: ResumeToken): MongoFeedPosition => ({
  resumeAfter: token,
  pipeline: BATCH_CHANGE_PIPELINE_VERSION,
});

/** Reads a position this adapter made; anything else means the follower must start over. */
export function decodePosition(position: FeedPosition): MongoFeedPosition {
  let parsed: unknown;
  const foreign = () =>
    new MongoFeedRestart('not-a-position', `${JSON.stringify(position)} is not a MongoDB change-feed position`);
  try {
    parsed = BSON.EJSON.parse(position, { relaxed: true });
  } catch {
    throw foreign();
  }
  if (isRecord(parsed)) {
    if ('resumeAfter' in parsed && isRecord(parsed.resumeAfter)) {
      const pipeline = parsed.pipeline ?? 1;
      if (pipeline !== BATCH_CHANGE_PIPELINE_VERSION) {
        throw new MongoFeedRestart(
          'pipeline-changed',
          `the resume token was made by change-stream pipeline version ${JSON.stringify(pipeline)}, this is version ` +
            `${BATCH_CHANGE_PIPELINE_VERSION}: resuming with another $match fails or skips events`,
        );
      }
      return afterToken(parsed.resumeAfter);
    }
    if ('startAtOperationTime' in parsed && isClusterTime(parsed.startAtOperationTime)) {
      return { startAtOperationTime: parsed.startAtOperationTime };
    }
    if ('snapshot' in parsed && isRecord(parsed.snapshot)) {
      const { at, after } = parsed.snapshot;
      if (isClusterTime(at) && isSnapshotKey(after)) return { snapshot: { at, after } };
    }
  }
  throw foreign();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isClusterTime(value: unknown): value is ClusterTime {
  return isRecord(value) && Number.isInteger(value.t) && Number.isInteger(value.i);
}

function isSnapshotKey(value: unknown): value is SnapshotKey {
  return (
    isRecord(value) &&
    Number.isFinite(value.createdAt) &&
    typeof value.id === 'string' &&
    (value.kind === 'committed' || value.kind === 'retracted')
  );
}

export const toTimestamp = (time: ClusterTime): Timestamp => new Timestamp({ t: time.t, i: time.i });
export const fromTimestamp = (ts: Timestamp): ClusterTime => ({ t: ts.high >>> 0, i: ts.low >>> 0 });

/** The first cluster time after `time`: where a change stream continues a snapshot read at `time`. */
export function clusterTimeAfter(time: ClusterTime): ClusterTime {
  return time.i >= 0xffff_ffff ? { t: time.t + 1, i: 0 } : { t: time.t, i: time.i + 1 };
}

/**
 * The version of {@link BATCH_CHANGE_PIPELINE}, stored in every resume-token position. The pipeline is
 * a stored format: the server resumes after a token only if the token's event passes the pipeline it
 * is given, so a changed `$match` makes stored tokens fail (ChangeStreamFatalError 280) or, worse,
 * resume past events the new pipeline would pass. Change the pipeline only together with this number:
 * a follower with a token of another version then restarts from a snapshot, deliberately (counted as
 * `pipeline-changed`). Positions at a cluster time do not depend on the pipeline and stay valid.
 * test/unit/stores/operational/mongodb/change-event-mapping.test.ts fails on a pipeline changed
 * without a new version.
 */
export const BATCH_CHANGE_PIPELINE_VERSION = 1;

/**
 * What the change stream on `batches` asks the server for. Only the events that can become a change
 * (or end the stream) leave the server, and of a batch document only the fields the mapping reads:
 * the item errors a batch document carries can be megabytes.
 */
export const BATCH_CHANGE_PIPELINE: Document[] = [
  {
    $match: {
      $or: [
        // A single-request batch's commit; the insert of an open chunked batch (OPEN) is not one.
        { operationType: 'insert', 'fullDocument.status': { $in: STATUSES_SET_BY_A_COMMIT } },
        // A chunked batch's settle (its commit) or any batch's retraction; not a worker's lease or progress.
        {
          operationType: 'update',
          'updateDescription.updatedFields.status': { $in: [...STATUSES_SET_BY_A_COMMIT, 'RETRACTED'] },
        },
        { operationType: 'replace', 'fullDocument.status': 'RETRACTED' },
        { operationType: { $in: ['delete', 'drop', 'rename', 'dropDatabase', 'invalidate'] } },
      ],
    },
  },
  {
    $project: {
      operationType: 1,
      clusterTime: 1,
      wallTime: 1,
      ns: 1,
      documentKey: 1,
      'fullDocument._id': 1,
      'fullDocument.status': 1,
      'fullDocument.createdAt': 1,
      'fullDocument.committedAt': 1,
      'fullDocument.retractedAt': 1,
      'updateDescription.updatedFields.status': 1,
      'updateDescription.updatedFields.committedAt': 1,
      'updateDescription.updatedFields.retractedAt': 1,
    },
  },
];

type WithoutCollectionUuid<T> = T extends unknown ? Omit<T, 'collectionUUID'> : never;

/**
 * A change event on `batches` as the feed receives it. The driver's types declare `collectionUUID`,
 * which the server sends only with `showExpandedEvents`; the feed does not ask for it.
 */
export type BatchChangeEvent = WithoutCollectionUuid<ChangeStreamDocument<BatchEventDocument>>;

/**
 * One raw change event on `batches` as the feed's change, or undefined when it changes nothing the
 * replicator cares about (a `countedAt` or `retractionAppliedAt` update, a chunked batch opened, committed
 * for a worker, leased, progressing or ended). Throws {@link FeedRestartRequired} for events after which
 * the stream cannot go on (`invalidate`, and the `drop`/`rename`/`dropDatabase` that precede it).
 *
 * - `insert` of an `ACCEPTED`/`REJECTED` document: a single-request batch's commit → `committed`, at its
 *   `committedAt` (its creation time); an `OPEN` chunked batch's insert is nothing yet;
 * - `update` setting `status` to `ACCEPTED`/`REJECTED`: a chunked batch settled, its commit, or a
 *   retracted batch restored → `committed`, at the `committedAt` the same update sets;
 * - `update` setting `status: 'RETRACTED'` → `retracted`, at `retractedAt`;
 * - `replace` with a retracted document → `retracted` (Rateline never replaces; an operator might);
 * - `delete` → `retracted` (Rateline never deletes batches; the caller logs a warning): once the
 *   document is gone, nothing of the batch may count.
 */
export function batchChangeOf(event: BatchChangeEvent): BatchChange | undefined {
  switch (event.operationType) {
    case 'insert': {
      const doc = event.fullDocument;
      if (!isCommitting(doc.status)) return undefined;
      return change('committed', event.documentKey._id, event, doc.committedAt ?? doc.createdAt);
    }
    case 'update': {
      const fields = event.updateDescription.updatedFields;
      if (fields?.status === 'RETRACTED') return change('retracted', event.documentKey._id, event, fields.retractedAt);
      if (isCommitting(fields?.status)) return change('committed', event.documentKey._id, event, fields?.committedAt);
      return undefined;
    }
    case 'replace':
      if (event.fullDocument.status !== 'RETRACTED') return undefined;
      return change('retracted', event.documentKey._id, event, event.fullDocument.retractedAt);
    case 'delete':
      return change('retracted', event.documentKey._id, event, undefined);
    case 'invalidate':
    case 'drop':
    case 'rename':
    case 'dropDatabase':
      throw new MongoFeedRestart(
        'stream-ended',
        `the change stream on batches ended with a "${event.operationType}" event`,
      );
    default:
      return undefined;
  }
}

const isCommitting = (status: BatchStatus | undefined): boolean =>
  (STATUSES_SET_BY_A_COMMIT as readonly (BatchStatus | undefined)[]).includes(status);

function change(
  kind: BatchChangeKind,
  batchId: string,
  event: BatchChangeEvent,
  at: Date | null | undefined,
): BatchChange {
  return {
    kind,
    batchId,
    position: encodePosition(afterToken(event._id)),
    at: at ?? eventTime(event),
  };
}

/** When the event happened: `wallTime` (MongoDB 6.0+), else the seconds of its cluster time. */
function eventTime(event: BatchChangeEvent): Date {
  if ('wallTime' in event && event.wallTime) return event.wallTime;
  if (event.clusterTime) return new Date(fromTimestamp(event.clusterTime).t * 1000);
  return new Date();
}

/**
 * Server errors after which a change stream (or a snapshot read at a past time) cannot continue: the
 * history it needs is gone or the position is not valid here. The driver has already retried the
 * resumable ones; these must restart from a snapshot.
 */
const RESTART_CODES = new Map<number, FeedRestartReason>([
  [136, 'history-lost'], // CappedPositionLost: the oplog rolled over the position while reading
  [239, 'snapshot-too-old'], // SnapshotTooOld: the snapshot's time is older than the retained history
  [246, 'snapshot-too-old'], // SnapshotUnavailable: the collection changed (DDL) after the snapshot's time
  [260, 'invalid-position'], // InvalidResumeToken
  // ChangeStreamFatalError: the resume token's event is not in the oplog (rolled over, or filtered out
  // by a changed pipeline)
  [280, 'history-lost'],
  [286, 'history-lost'], // ChangeStreamHistoryLost
]);

/** The error a follower should see: {@link MongoFeedRestart} for lost history, the error otherwise. */
export function feedErrorOf(error: unknown): unknown {
  const reason = error instanceof MongoServerError && typeof error.code === 'number' && RESTART_CODES.get(error.code);
  if (reason) return new MongoFeedRestart(reason, `${error.codeName ?? `code ${error.code}`}: ${error.message}`);
  return error;
}
