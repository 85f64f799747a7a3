/**
 * The change-stream side of the Mongo adapter that FerretDB cannot exercise: raw change events, shaped
 * as MongoDB documents them (https://www.mongodb.com/docs/manual/reference/change-events/), mapped to
 * the feed's changes. The events are built with the driver's own BSON types.
 */
import { createHash } from 'node:crypto';
import { MongoServerError, Timestamp } from 'mongodb';
import { FeedRestartRequired } from '../../../../../src/stores/operational';
import {
  BATCH_CHANGE_PIPELINE,
  BATCH_CHANGE_PIPELINE_VERSION,
  MongoFeedRestart,
  batchChangeOf,
  clusterTimeAfter,
  decodePosition,
  encodePosition,
  feedErrorOf,
  fromTimestamp,
  type BatchChangeEvent,
} from '../../../../../src/stores/operational/mongodb/change-events';
import type { BatchEventDocument } from '../../../../../src/stores/operational/mongodb/documents';

type Event<Kind extends BatchChangeEvent['operationType']> = Extract<BatchChangeEvent, { operationType: Kind }>;

const BATCH_ID = '3f1c6a57-2b6e-4c1e-9a57-0c1d2e3f4a5b';
const ns = { db: 'rateline', coll: 'batches' };
const clusterTime = new Timestamp({ t: 1_764_300_000, i: 7 });
const wallTime = new Date('2025-11-28T03:20:00.123Z');
const createdAt = new Date('2025-11-28T03:19:59.500Z');
const retractedAt = new Date('2025-11-28T04:00:00.000Z');
// Resume tokens are opaque `{ _data: <hex string> }` documents (MongoDB 4.2+).
const token = (n: number) => ({
  _data: `8269291E60000000${n}2B042C0100296E5A1004A1B2C3D4E5F60718293A4B5C6D7E8F9046645F6964`,
});

const insert: Event<'insert'> = {
  _id: token(1),
  operationType: 'insert',
  clusterTime,
  wallTime,
  ns,
  documentKey: { _id: BATCH_ID },
  fullDocument: { _id: BATCH_ID, status: 'ACCEPTED', createdAt, retractedAt: null },
};

const retraction: Event<'update'> = {
  _id: token(2),
  operationType: 'update',
  clusterTime,
  wallTime,
  ns,
  documentKey: { _id: BATCH_ID },
  updateDescription: { updatedFields: { status: 'RETRACTED', retractedAt }, removedFields: [], truncatedArrays: [] },
};

describe('batchChangeOf', () => {
  it('maps an insert (the commit) to committed, at the batch’s creation time, resuming after the event', () => {
    const change = batchChangeOf(insert);
    expect(change).toMatchObject({ kind: 'committed', batchId: BATCH_ID, at: createdAt });
    expect(Object.keys(change!).sort()).toEqual(['at', 'batchId', 'kind', 'position']);
    expect(decodePosition(change!.position)).toEqual({
      resumeAfter: insert._id,
      pipeline: BATCH_CHANGE_PIPELINE_VERSION,
    });
  });

  it('maps the update that sets status RETRACTED to retracted, at retractedAt', () => {
    const change = batchChangeOf(retraction);
    expect(change).toMatchObject({ kind: 'retracted', batchId: BATCH_ID, at: retractedAt });
    expect(decodePosition(change!.position)).toEqual({
      resumeAfter: token(2),
      pipeline: BATCH_CHANGE_PIPELINE_VERSION,
    });
  });

  it('ignores the replicator’s own marks and any other update', () => {
    // The replicator's marks are fields the event projection drops; what is left is an update without status.
    const marks = (updatedFields: Partial<BatchEventDocument>): Event<'update'> => ({
      ...retraction,
      updateDescription: { updatedFields, removedFields: [] },
    });
    expect(batchChangeOf(marks({}))).toBeUndefined();
    expect(batchChangeOf({ ...retraction, updateDescription: { removedFields: ['countedAt'] } })).toBeUndefined();
  });

  it('maps an insert to committed at its committedAt, and ignores the insert of an open chunked batch', () => {
    const committedAt = new Date('2025-11-28T03:19:59.750Z');
    const withCommitTime: Event<'insert'> = { ...insert, fullDocument: { ...insert.fullDocument, committedAt } };
    expect(batchChangeOf(withCommitTime)).toMatchObject({ kind: 'committed', at: committedAt });
    const rejected: Event<'insert'> = { ...insert, fullDocument: { ...insert.fullDocument, status: 'REJECTED' } };
    expect(batchChangeOf(rejected)).toMatchObject({ kind: 'committed', at: createdAt });
    const opened: Event<'insert'> = {
      ...insert,
      fullDocument: { _id: BATCH_ID, status: 'OPEN', createdAt, committedAt: null, retractedAt: null },
    };
    expect(batchChangeOf(opened)).toBeUndefined();
  });

  it('maps the update that settles a chunked batch (its commit) to committed, at the committedAt it sets', () => {
    const settledAt = new Date('2025-11-28T05:00:00.000Z');
    for (const status of ['ACCEPTED', 'REJECTED'] as const) {
      // What batchWork.settle's $set produces (workHolder and workExpiresAt are projected away).
      const settle: Event<'update'> = {
        ...retraction,
        _id: token(7),
        updateDescription: {
          updatedFields: { status, committedAt: settledAt },
          removedFields: [],
          truncatedArrays: [],
        },
      };
      const change = batchChangeOf(settle);
      expect(change).toMatchObject({ kind: 'committed', batchId: BATCH_ID, at: settledAt });
      expect(decodePosition(change!.position)).toEqual({
        resumeAfter: token(7),
        pipeline: BATCH_CHANGE_PIPELINE_VERSION,
      });
    }
  });

  it('maps the update that restores a retracted batch to committed again, at the committedAt it sets', () => {
    const restoredAt = new Date('2025-11-28T06:00:00.000Z');
    // What batches.restore's $set produces: the status it had, and its replication marks cleared.
    const restore: Event<'update'> = {
      ...retraction,
      _id: token(8),
      updateDescription: {
        updatedFields: {
          status: 'ACCEPTED',
          committedAt: restoredAt,
          retractedAt: null,
          countedAt: null,
          retractionAppliedAt: null,
        } as Partial<BatchEventDocument>,
        removedFields: [],
        truncatedArrays: [],
      },
    };
    expect(batchChangeOf(restore)).toMatchObject({ kind: 'committed', batchId: BATCH_ID, at: restoredAt });
  });

  it('never takes a chunked batch opened, committed for a worker, leased or ended for a commit', () => {
    for (const status of ['OPEN', 'COMMITTED', 'PROCESSING', 'ABORTED', 'EXPIRED'] as const) {
      const update: Event<'update'> = {
        ...retraction,
        updateDescription: { updatedFields: { status }, removedFields: [] },
      };
      expect(batchChangeOf(update)).toBeUndefined();
    }
    // A worker's progress or the commit's totals change no status at all.
    expect(batchChangeOf({ ...retraction, updateDescription: { updatedFields: {}, removedFields: [] } })).toBe(
      undefined,
    );
  });

  it('maps a replace with a retracted document to retracted and ignores any other replace', () => {
    const replace: Event<'replace'> = {
      _id: token(3),
      operationType: 'replace',
      clusterTime,
      wallTime,
      ns,
      documentKey: { _id: BATCH_ID },
      fullDocument: { _id: BATCH_ID, status: 'RETRACTED', createdAt, retractedAt },
    };
    expect(batchChangeOf(replace)).toMatchObject({ kind: 'retracted', batchId: BATCH_ID, at: retractedAt });
    expect(batchChangeOf({ ...replace, fullDocument: { ...replace.fullDocument, status: 'ACCEPTED' } })).toBe(
      undefined,
    );
  });

  it('maps a delete to retracted: a batch whose document is gone must stop counting', () => {
    const deletion: Event<'delete'> = {
      _id: token(4),
      operationType: 'delete',
      clusterTime,
      wallTime,
      ns,
      documentKey: { _id: BATCH_ID },
    };
    expect(batchChangeOf(deletion)).toMatchObject({ kind: 'retracted', batchId: BATCH_ID, at: wallTime });
    // Before MongoDB 6.0 events carry no wallTime: the cluster time's seconds stand in.
    const { wallTime: _omitted, ...withoutWallTime } = deletion;
    expect(batchChangeOf(withoutWallTime)).toMatchObject({ at: new Date(1_764_300_000 * 1000) });
  });

  it('demands a restart on invalidate and on the drop or rename that precede it', () => {
    const invalidate: Event<'invalidate'> = {
      _id: token(5),
      operationType: 'invalidate',
      clusterTime,
      wallTime,
    };
    expect(() => batchChangeOf(invalidate)).toThrow(FeedRestartRequired);
    const drop: Event<'drop'> = { _id: token(6), operationType: 'drop', clusterTime, wallTime, ns };
    expect(() => batchChangeOf(drop)).toThrow(FeedRestartRequired);
  });
});

describe('positions', () => {
  it('round-trip each kind of position', () => {
    const positions = [
      { resumeAfter: token(9), pipeline: BATCH_CHANGE_PIPELINE_VERSION },
      { startAtOperationTime: { t: 1_764_300_000, i: 8 } },
      {
        snapshot: {
          at: { t: 1_764_300_000, i: 7 },
          after: { createdAt: createdAt.getTime(), id: BATCH_ID, kind: 'committed' as const },
        },
      },
    ];
    for (const position of positions) expect(decodePosition(encodePosition(position))).toEqual(position);
  });

  it('refuse what this adapter did not make, asking for a restart', () => {
    for (const foreign of ['42', 'not json', '{}', '{"startAtOperationTime":{"t":"x","i":1}}', 'null']) {
      expect(() => decodePosition(foreign)).toThrow(FeedRestartRequired);
      expect(() => decodePosition(foreign)).toThrow(expect.objectContaining({ reason: 'not-a-position' }));
    }
  });

  it('take a resume token stored without a pipeline version as version 1, and refuse one of another version', () => {
    // Positions stored before the version was: made by pipeline version 1.
    const unversioned = JSON.stringify({ resumeAfter: token(9) });
    if (BATCH_CHANGE_PIPELINE_VERSION === 1) {
      expect(decodePosition(unversioned)).toEqual({ resumeAfter: token(9), pipeline: 1 });
    } else {
      expect(() => decodePosition(unversioned)).toThrow(expect.objectContaining({ reason: 'pipeline-changed' }));
    }
    const other = JSON.stringify({ resumeAfter: token(9), pipeline: BATCH_CHANGE_PIPELINE_VERSION + 1 });
    expect(() => decodePosition(other)).toThrow(expect.objectContaining({ reason: 'pipeline-changed' }));
    // A position at a cluster time does not depend on the pipeline.
    const atTime = JSON.stringify({ startAtOperationTime: { t: 1_764_300_000, i: 8 } });
    expect(decodePosition(atTime)).toEqual({ startAtOperationTime: { t: 1_764_300_000, i: 8 } });
  });

  it('continue a snapshot read at cluster time T with the stream from the next tick after T', () => {
    expect(fromTimestamp(clusterTime)).toEqual({ t: 1_764_300_000, i: 7 });
    expect(clusterTimeAfter({ t: 10, i: 7 })).toEqual({ t: 10, i: 8 });
    expect(clusterTimeAfter({ t: 10, i: 0xffff_ffff })).toEqual({ t: 11, i: 0 });
  });
});

describe('feedErrorOf', () => {
  it('turns lost history and bad resume tokens into a restart, and leaves other errors alone', () => {
    for (const [code, codeName] of [
      [286, 'ChangeStreamHistoryLost'],
      [260, 'InvalidResumeToken'],
      [280, 'ChangeStreamFatalError'],
      [239, 'SnapshotTooOld'],
    ] as const) {
      const error = new MongoServerError({ ok: 0, code, codeName, errmsg: 'resume of change stream was not possible' });
      expect(feedErrorOf(error)).toBeInstanceOf(FeedRestartRequired);
    }
    const reasonOf = (code: number) =>
      (feedErrorOf(new MongoServerError({ ok: 0, code, errmsg: 'x' })) as MongoFeedRestart).reason;
    expect([286, 280, 136, 239, 246, 260].map(reasonOf)).toEqual([
      'history-lost',
      'history-lost',
      'history-lost',
      'snapshot-too-old',
      'snapshot-too-old',
      'invalid-position',
    ]);
    const other = new MongoServerError({ ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'not authorized' });
    expect(feedErrorOf(other)).toBe(other);
    const plain = new Error('network');
    expect(feedErrorOf(plain)).toBe(plain);
  });
});

describe('BATCH_CHANGE_PIPELINE', () => {
  it('changes only together with its version (a changed $match makes stored resume tokens unusable)', () => {
    // Changed the pipeline on purpose? Raise BATCH_CHANGE_PIPELINE_VERSION and add the new fingerprint.
    const fingerprints: Record<number, string> = {
      1: '84fe01cf1726655d62856802bad5414cb1167cd44476677ae7e4750ecf093c55',
    };
    const fingerprint = createHash('sha256').update(JSON.stringify(BATCH_CHANGE_PIPELINE)).digest('hex');
    expect(fingerprint).toBe(fingerprints[BATCH_CHANGE_PIPELINE_VERSION]);
  });

  it('keeps the resume token and every field the mapping reads', () => {
    const project = BATCH_CHANGE_PIPELINE.find((stage) => '$project' in stage)?.$project as Record<string, unknown>;
    expect(project._id).toBeUndefined();
    for (const field of [
      'operationType',
      'documentKey',
      'clusterTime',
      'wallTime',
      'fullDocument.status',
      'fullDocument.createdAt',
      'fullDocument.committedAt',
      'fullDocument.retractedAt',
      'updateDescription.updatedFields.status',
      'updateDescription.updatedFields.committedAt',
      'updateDescription.updatedFields.retractedAt',
    ]) {
      expect(project[field]).toBe(1);
    }
  });

  it('lets only commits, retractions and the end of the stream leave the server', () => {
    const match = BATCH_CHANGE_PIPELINE.find((stage) => '$match' in stage)?.$match as {
      $or: Record<string, unknown>[];
    };
    const clause = (operationType: string) => match.$or.find((c) => c.operationType === operationType);
    expect(clause('insert')).toEqual({
      operationType: 'insert',
      'fullDocument.status': { $in: ['ACCEPTED', 'REJECTED'] },
    });
    expect(clause('update')).toEqual({
      operationType: 'update',
      'updateDescription.updatedFields.status': { $in: ['ACCEPTED', 'REJECTED', 'RETRACTED'] },
    });
  });
});
