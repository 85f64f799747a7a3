import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary, type Collection, type Db, type Filter } from 'mongodb';
import type {
  Batch,
  BatchChunk,
  BatchItemError,
  BatchOwner,
  BatchStatus,
  NewBatch,
  NewOpenBatch,
  PriceRecord,
} from '../../../domain/batch';
import { batchOf, type StoredBatch } from '../../../domain/batch-rules';
import { formatDay, type EpochDay } from '../../../domain/day';
import type { ContainerType, ContractTerm } from '../../../domain/freight-dimensions';
import type { Port, Region } from '../../../domain/model';

/** Collection names; `docs/operational-store-mongodb.md` gives each one's indexes and shard key. */
export const COLLECTIONS = {
  regions: 'regions',
  ports: 'ports',
  batches: 'batches',
  prices: 'prices',
  batchChunks: 'batch_chunks',
  idempotencyKeys: 'idempotency_keys',
  replicationLeases: 'replication_leases',
  exchangeRates: 'exchange_rates',
  referenceRevision: 'reference_revision',
  replicas: 'replicas',
  replicaAcks: 'replica_acks',
} as const;

/** The adapter's collections, typed; each port class takes the ones it works on. */
export interface MongoCollections {
  readonly regions: Collection<RegionDocument>;
  readonly ports: Collection<PortDocument>;
  readonly batches: Collection<BatchDocument>;
  readonly prices: Collection<PriceDocument>;
  readonly batchChunks: Collection<ChunkDocument>;
  readonly idempotencyKeys: Collection<IdempotencyKeyDocument>;
  readonly replicationLeases: Collection<LeaseDocument>;
  readonly exchangeRates: Collection<ExchangeRateDayDocument>;
  readonly referenceRevision: Collection<ReferenceRevisionDocument>;
  readonly replicas: Collection<ReplicaDocument>;
  readonly replicaAcks: Collection<ReplicaAckDocument>;
}

export function collectionsOf(db: Db): MongoCollections {
  return {
    regions: db.collection(COLLECTIONS.regions),
    ports: db.collection(COLLECTIONS.ports),
    batches: db.collection(COLLECTIONS.batches),
    prices: db.collection(COLLECTIONS.prices),
    batchChunks: db.collection(COLLECTIONS.batchChunks),
    idempotencyKeys: db.collection(COLLECTIONS.idempotencyKeys),
    replicationLeases: db.collection(COLLECTIONS.replicationLeases),
    exchangeRates: db.collection(COLLECTIONS.exchangeRates),
    referenceRevision: db.collection(COLLECTIONS.referenceRevision),
    replicas: db.collection(COLLECTIONS.replicas),
    replicaAcks: db.collection(COLLECTIONS.replicaAcks),
  };
}

/**
 * For reads that answer a client about a batch: only what a majority of the replica set holds, so an
 * answer never names a state that a failover could roll back (writes are `w: 'majority'` too).
 */
export const MAJORITY_READ = { readConcern: { level: 'majority' } } as const;

export interface RegionDocument {
  _id: string;
  name: string;
  parentSlug: string | null;
}

export interface PortDocument {
  _id: string;
  name: string;
  regionSlug: string;
}

/**
 * A batch. A single-request batch's document is inserted last, as its commit (`ACCEPTED` or `REJECTED`
 * from the start). A chunked batch's document exists from its `open` on (`OPEN`, then `COMMITTED`,
 * `PROCESSING`) and is committed, for readers of prices and for the change feed, by the one update that
 * settles it (`ACCEPTED`/`REJECTED` and `committedAt`). So a batch counts as committed exactly when its
 * status is one of `FEED_COMMITTED_STATUSES`, and `committedAt` says when (`createdAt` for a
 * single-request batch, and for documents written before chunked batches, which lack the field).
 *
 * `errors` is JSON text, not BSON: an item error echoes the client's `value`, which may hold keys
 * MongoDB refuses (`$…`, dots) and must round-trip exactly as the SQLite adapter's JSON does. Above
 * {@link INLINE_ERRORS_MAX_BYTES} it is gzipped into `errorsGz` so a batch of 100,000 invalid items stays
 * far below the 16 MiB document limit.
 */
export interface BatchDocument {
  _id: string;
  /** The API key name that submitted it; null or absent (documents from before owners) for no supplier. */
  owner?: BatchOwner;
  idempotencyKey: string;
  requestHash: string;
  status: BatchStatus;
  itemCount: number;
  acceptedCount: number;
  errors?: string;
  errorsGz?: Binary;
  createdAt: Date;
  // Every batch written since chunked batches has the next six; older ones read as whole batches.
  skipInvalid?: boolean;
  chunkCount?: number;
  processedCount?: number;
  errorCount?: number;
  openUntil?: Date | null;
  committedAt?: Date | null;
  retractedAt: Date | null;
  countedAt: Date | null;
  retractionAppliedAt: Date | null;
  /**
   * Which attempt's prices this batch committed (see {@link PriceDocument.attempt}); absent: the first
   * attempt's (and every chunked batch's).
   */
  attempt?: number;
  /** Chunk indexes already added to `itemCount`/`chunkCount` while open: an append counts once. */
  countedChunks?: number[];
  /** Chunks a worker has recorded; the fence of `BatchWorkQueue.recordChunk`. */
  processedChunks?: number;
  workHolder?: string | null;
  workExpiresAt?: Date | null;
  /** Retention: when its prices began to leave (it can no longer be restored), and when the last left. */
  pruningSince?: Date | null;
  prunedAt?: Date | null;
}

/** Only these fields of a batch travel in change events (the stream projects the rest away). */
export type BatchEventDocument = Pick<BatchDocument, '_id' | 'status' | 'createdAt' | 'committedAt' | 'retractedAt'>;

/**
 * The claim on an idempotency key, written before anything else of a batch. It names the batch id and
 * creation time every attempt with this key uses, so a retry after a crash completes the same batch.
 * Whether the batch committed is not stored here: the batch document's existence is the only truth.
 */
export interface IdempotencyKeyDocument {
  /** {@link claimId}: the key, scoped to its owner. */
  _id: string;
  /** Absent in claims written before owners: those are no supplier's, and `_id` is the key itself. */
  owner?: BatchOwner;
  key?: string;
  batchId: string;
  requestHash: string;
  createdAt: Date;
  status: BatchStatus;
  itemCount: number;
  acceptedCount: number;
  /** Absent in claims written before it was stored: those read as false, as they always did. */
  skipInvalid?: boolean;
  /** Claimed by `ChunkedBatchStore.open`; absent (false) for a single-request batch. */
  chunked?: boolean;
  /** Attempts that took over this claim to complete it (each one's number is the count after its `$inc`). */
  completions?: number;
}

/**
 * One chunk of a chunked batch, kept until a worker has processed it. `_id` is
 * `<batchId>:<chunkIndex, 10 digits>` (one batch's chunks are one contiguous range, as its prices are).
 * `content` is opaque text of at most 100,000 items (a few MB, below the 16 MiB document limit); it is
 * removed once the batch is settled or ended, and the rest stays so that a retried chunk is recognised.
 * `firstItemIndex` (the batch-wide index of its first item) is set when the batch is committed.
 */
export interface ChunkDocument {
  _id: string;
  itemCount: number;
  contentHash: string;
  content?: string;
  firstItemIndex: number | null;
}

/**
 * One price. `_id` is `<batchId>:<itemIndex, 10 digits>`: deterministic, so a retried write dedupes on
 * the key, and ordered so that one batch's prices are one contiguous `_id` range in item order (the shard
 * key and the only index). The batch id and item index live only in `_id`, not in fields of their own.
 * An attempt that completes an interrupted one writes under its own number n (`attempt`, and `.n` after
 * the index in `_id`), since its validation and exchange rates may differ from the first attempt's: the
 * batch document names the attempt whose prices count, and the others are removed.
 */
export interface PriceDocument {
  _id: string;
  /** The attempt that wrote it; absent: the first attempt (or a chunked batch's worker). */
  attempt?: number;
  originCode: string;
  destinationCode: string;
  day: number;
  usdCents: number;
  currency: string;
  amountMinor: number;
  /** The rate usdCents was converted at; absent in prices recorded before conversion existed (USD, 1). */
  usdPerUnit?: string;
  /**
   * What the price is for; each absent where unspecified (every price recorded before prices had
   * dimensions reads so, and FerretDB drops a null that `$setOnInsert` writes, so none is written).
   */
  containerType?: ContainerType;
  contractTerm?: ContractTerm;
}

/** The one document (`_id: 'reference'`) whose `revision` every upsert of ports or regions moves on. */
export interface ReferenceRevisionDocument {
  _id: 'reference';
  revision: number;
}

/**
 * One provider's exchange rates of one day, every currency in one document (`_id`
 * `<provider>:<YYYY-MM-DD>`): a day is what Open Exchange Rates answers and what a lookup of many
 * (currency, day) pairs asks by, and one document per rate made loading the shipped table (57,000 rates,
 * 1,800 days) take minutes on FerretDB. Currency codes are field names (three capital letters).
 */
export interface ExchangeRateDayDocument {
  _id: string;
  provider: string;
  day: number;
  /** Currency → US dollars per unit (decimal text). */
  rates: Record<string, string>;
  /** Currency → where its rate came from. */
  sources: Record<string, string>;
  /** The distinct values of `sources`, so that "was anything loaded from X" is one query. */
  sourceNames: string[];
}

/** An analytics replica that follows this store (`_id`: its replica id). */
export interface ReplicaDocument {
  _id: string;
  registeredAt: Date;
  heardAt: Date;
  retiredAt: Date | null;
}

/**
 * A replica's acknowledgement of a batch's commit (`_id`: `<batchId>/<replicaId>`): `commitAt` is the
 * commit's time (`committedAt`, or `createdAt` before chunked batches), so a restore, which sets a
 * later `committedAt`, is acknowledged anew.
 */
export interface ReplicaAckDocument {
  _id: string;
  batchId: string;
  replicaId: string;
  commitAt: Date;
}

export interface LeaseDocument {
  _id: string;
  holder: string;
  expiresAt: Date;
}

const INDEX_DIGITS = 10;
/** The first attempt at a batch, whose prices carry no attempt number. */
export const FIRST_ATTEMPT = 0;
export const INLINE_ERRORS_MAX_BYTES = 1024 * 1024;

/** `<batchId>:<index, 10 digits>`: the `_id` of a batch's price (by item index) or chunk (by chunk index). */
function batchPartId(batchId: string, index: number): string {
  return `${batchId}:${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/**
 * A price's `_id`: {@link batchPartId}, then `.<attempt>` for an attempt that completes another. The
 * suffix sorts after its index and before the next one, so one attempt's prices stay in item order.
 */
export function priceId(batchId: string, itemIndex: number, attempt = FIRST_ATTEMPT): string {
  const id = batchPartId(batchId, itemIndex);
  return attempt === FIRST_ATTEMPT ? id : `${id}.${attempt}`;
}

/** The prices of one attempt at a batch (to be read with an `_id` range of the batch). */
export const ofAttempt = (attempt: number | undefined): Filter<PriceDocument> =>
  (attempt ?? FIRST_ATTEMPT) === FIRST_ATTEMPT ? { attempt: { $exists: false } } : { attempt };

/** The prices of every attempt at a batch but this one. */
export const ofOtherAttempts = (attempt: number | undefined): Filter<PriceDocument> =>
  (attempt ?? FIRST_ATTEMPT) === FIRST_ATTEMPT ? { attempt: { $exists: true } } : { attempt: { $ne: attempt } };

/** The `_id` range holding every price (or chunk) of a batch: `:` sorts right before `;`. */
function batchPartRange(batchId: string): { $gte: string; $lt: string } {
  return { $gte: `${batchId}:`, $lt: `${batchId};` };
}

const indexOfPartId = (id: string): number => {
  const start = id.lastIndexOf(':') + 1;
  return Number(id.slice(start, start + INDEX_DIGITS));
};

export const priceIdRange = batchPartRange;
export const chunkId = batchPartId;
export const chunkIdRange = batchPartRange;
export const chunkIndexOf = indexOfPartId;

export function toPriceDocument(batchId: string, price: PriceRecord, attempt = FIRST_ATTEMPT): PriceDocument {
  return {
    _id: priceId(batchId, price.itemIndex, attempt),
    ...(attempt === FIRST_ATTEMPT ? {} : { attempt }),
    originCode: price.originCode,
    destinationCode: price.destinationCode,
    day: price.day,
    usdCents: price.usdCents,
    currency: price.currency,
    amountMinor: price.amountMinor,
    usdPerUnit: price.usdPerUnit,
    ...(price.containerType === null ? {} : { containerType: price.containerType }),
    ...(price.contractTerm === null ? {} : { contractTerm: price.contractTerm }),
  };
}

/** The batch id and the price, read back from a price document. */
export function fromPriceDocument(doc: PriceDocument): { batchId: string; price: PriceRecord } {
  const separator = doc._id.lastIndexOf(':');
  return {
    batchId: doc._id.slice(0, separator),
    price: {
      itemIndex: indexOfPartId(doc._id),
      originCode: doc.originCode,
      destinationCode: doc.destinationCode,
      day: doc.day as EpochDay,
      usdCents: doc.usdCents,
      currency: doc.currency,
      amountMinor: doc.amountMinor,
      usdPerUnit: doc.usdPerUnit ?? '1',
      containerType: doc.containerType ?? null,
      contractTerm: doc.contractTerm ?? null,
    },
  };
}

export function exchangeRateDayId(provider: string, day: EpochDay): string {
  return `${provider}:${formatDay(day)}`;
}

/**
 * The `_id` of an owner's claim on a key. A key of no supplier is the key itself, as every claim was
 * before owners, so those need no migration; a supplier's is its name, U+001F, the key. Neither a key
 * nor a key name may hold a control character, so no two (owner, key) pairs share an `_id`.
 */
export const claimId = (owner: BatchOwner, key: string): string => (owner === null ? key : `${owner}\u001f${key}`);

export function claimOf(batch: NewBatch): IdempotencyKeyDocument {
  return {
    _id: claimId(batch.owner, batch.idempotencyKey),
    owner: batch.owner,
    key: batch.idempotencyKey,
    batchId: batch.id,
    requestHash: batch.requestHash,
    createdAt: batch.createdAt,
    status: batch.status,
    itemCount: batch.itemCount,
    acceptedCount: batch.prices.length,
    skipInvalid: batch.skipInvalid,
  };
}

/** The claim opening a chunked batch writes; the counts of an open batch start at nothing. */
export function openClaimOf(batch: NewOpenBatch): IdempotencyKeyDocument {
  return {
    _id: claimId(batch.owner, batch.idempotencyKey),
    owner: batch.owner,
    key: batch.idempotencyKey,
    batchId: batch.id,
    requestHash: batch.requestHash,
    createdAt: batch.createdAt,
    status: 'OPEN',
    itemCount: 0,
    acceptedCount: 0,
    skipInvalid: batch.skipInvalid,
    chunked: true,
  };
}

/** The batch document a claim commits; id and creation time come from the claim, not the attempt. */
export function batchDocumentOf(batch: NewBatch, claim: IdempotencyKeyDocument): BatchDocument {
  return {
    _id: claim.batchId,
    owner: batch.owner,
    idempotencyKey: batch.idempotencyKey,
    requestHash: batch.requestHash,
    status: batch.status,
    skipInvalid: batch.skipInvalid,
    itemCount: batch.itemCount,
    chunkCount: 0,
    processedCount: batch.itemCount,
    acceptedCount: batch.prices.length,
    ...errorsFieldsOf(batch.errors),
    errorCount: batch.errors.length,
    createdAt: claim.createdAt,
    openUntil: null,
    committedAt: claim.createdAt,
    retractedAt: null,
    countedAt: null,
    retractionAppliedAt: null,
  };
}

/** An open chunked batch's document, under the claim's id and creation time. */
export function openBatchDocumentOf(batch: NewOpenBatch, claim: IdempotencyKeyDocument): BatchDocument {
  return {
    _id: claim.batchId,
    owner: batch.owner,
    idempotencyKey: batch.idempotencyKey,
    requestHash: batch.requestHash,
    status: 'OPEN',
    skipInvalid: batch.skipInvalid,
    itemCount: 0,
    chunkCount: 0,
    processedCount: 0,
    acceptedCount: 0,
    errors: '[]',
    errorCount: 0,
    createdAt: claim.createdAt,
    openUntil: batch.openUntil,
    committedAt: null,
    retractedAt: null,
    countedAt: null,
    retractionAppliedAt: null,
    countedChunks: [],
    processedChunks: 0,
    workHolder: null,
    workExpiresAt: null,
  };
}

export function chunkDocumentOf(batchId: string, chunk: BatchChunk): ChunkDocument {
  return {
    _id: chunkId(batchId, chunk.index),
    itemCount: chunk.itemCount,
    contentHash: chunk.contentHash,
    content: chunk.content,
    firstItemIndex: null,
  };
}

/** `errors` inline, or `errorsGz` when the JSON is large. */
export function errorsFieldsOf(errors: readonly BatchItemError[]): { errors: string } | { errorsGz: Binary } {
  const text = JSON.stringify(errors);
  return Buffer.byteLength(text) <= INLINE_ERRORS_MAX_BYTES
    ? { errors: text }
    : { errorsGz: new Binary(gzipSync(text)) };
}

export function errorsOf(doc: Pick<BatchDocument, 'errors' | 'errorsGz'>): BatchItemError[] {
  const text = doc.errorsGz ? gunzipSync(doc.errorsGz.buffer).toString('utf8') : (doc.errors ?? '[]');
  return JSON.parse(text) as BatchItemError[];
}

export function toBatch(doc: BatchDocument): Batch {
  const errors = errorsOf(doc);
  // Defaults for documents written before chunked batches: whole batches. `skipInvalid` was not stored
  // then; it is guessed from the errors for those documents only, as it was read at the time.
  const stored: StoredBatch = {
    id: doc._id,
    owner: doc.owner ?? null,
    idempotencyKey: doc.idempotencyKey,
    requestHash: doc.requestHash,
    status: doc.status,
    skipInvalid: doc.skipInvalid ?? errors.length > 0,
    itemCount: doc.itemCount,
    chunkCount: doc.chunkCount ?? 0,
    processedCount: doc.processedCount ?? doc.itemCount,
    acceptedCount: doc.acceptedCount,
    errors,
    errorCount: doc.errorCount ?? errors.length,
    createdAt: doc.createdAt,
    openUntil: doc.openUntil ?? null,
    retractedAt: doc.retractedAt,
    countedAt: doc.countedAt,
    retractionAppliedAt: doc.retractionAppliedAt,
  };
  return batchOf(stored);
}

/**
 * What a conflicting request is told about an earlier attempt with its key that never committed: the
 * claim's facts. Its id names no batch (yet); its item errors were not kept with the claim.
 */
export function unfinishedBatchOf(claim: IdempotencyKeyDocument): Batch {
  return batchOf({
    id: claim.batchId,
    owner: claim.owner ?? null,
    idempotencyKey: claim.key ?? claim._id,
    requestHash: claim.requestHash,
    status: claim.status,
    skipInvalid: claim.skipInvalid ?? false,
    itemCount: claim.itemCount,
    chunkCount: 0,
    processedCount: claim.itemCount,
    acceptedCount: claim.acceptedCount,
    errors: [],
    errorCount: claim.itemCount - claim.acceptedCount,
    createdAt: claim.createdAt,
    openUntil: null,
    retractedAt: null,
    countedAt: null,
    retractionAppliedAt: null,
  });
}

export const toRegion = (doc: RegionDocument): Region => ({
  slug: doc._id,
  name: doc.name,
  parentSlug: doc.parentSlug,
});
export const toPort = (doc: PortDocument): Port => ({ code: doc._id, name: doc.name, regionSlug: doc.regionSlug });
