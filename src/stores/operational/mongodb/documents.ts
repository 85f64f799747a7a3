import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary } from 'mongodb';
import type { Batch, BatchItemError, BatchStatus, NewBatch, PriceRecord } from '../../../domain/batch';
import { replicatedAtFor } from '../../../domain/batch';
import { formatDay, type EpochDay } from '../../../domain/day';
import type { Port, Region } from '../../../domain/model';

/** Collection names; `docs/operational-store-mongodb.md` gives each one's indexes and shard key. */
export const COLLECTIONS = {
  regions: 'regions',
  ports: 'ports',
  batches: 'batches',
  prices: 'prices',
  idempotencyKeys: 'idempotency_keys',
  replicationLeases: 'replication_leases',
  exchangeRates: 'exchange_rates',
} as const;

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
 * A committed batch: the insert of this document is the commit. `errors` is JSON text, not BSON: an
 * item error echoes the client's `value`, which may hold keys MongoDB refuses (`$…`, dots) and must
 * round-trip exactly as the SQLite adapter's JSON does. Above {@link INLINE_ERRORS_MAX_BYTES} it is
 * gzipped into `errorsGz` so a batch of 100,000 invalid items stays far below the 16 MiB document limit.
 */
export interface BatchDocument {
  _id: string;
  idempotencyKey: string;
  requestHash: string;
  status: BatchStatus;
  itemCount: number;
  acceptedCount: number;
  errors?: string;
  errorsGz?: Binary;
  createdAt: Date;
  retractedAt: Date | null;
  countedAt: Date | null;
  retractionAppliedAt: Date | null;
}

/** Only these fields of a batch travel in change events (the stream projects the rest away). */
export type BatchEventDocument = Pick<BatchDocument, '_id' | 'status' | 'createdAt' | 'retractedAt'>;

/**
 * The claim on an idempotency key, written before anything else of a batch. It names the batch id and
 * creation time every attempt with this key uses, so a retry after a crash completes the same batch.
 * Whether the batch committed is not stored here: the batch document's existence is the only truth.
 */
export interface IdempotencyKeyDocument {
  _id: string;
  batchId: string;
  requestHash: string;
  createdAt: Date;
  status: BatchStatus;
  itemCount: number;
  acceptedCount: number;
}

/**
 * One price. `_id` is `<batchId>:<itemIndex, 10 digits>`: deterministic, so a retried write dedupes on
 * the key, and ordered so that one batch's prices are one contiguous `_id` range in item order (the shard
 * key and the only index). The batch id and item index live only in `_id`, not in fields of their own.
 */
export interface PriceDocument {
  _id: string;
  originCode: string;
  destinationCode: string;
  day: number;
  usdCents: number;
  currency: string;
  amountMinor: number;
  /** The rate usdCents was converted at; absent in prices recorded before conversion existed (USD, 1). */
  usdPerUnit?: string;
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

export interface LeaseDocument {
  _id: string;
  holder: string;
  expiresAt: Date;
}

const ITEM_INDEX_DIGITS = 10;
export const INLINE_ERRORS_MAX_BYTES = 1024 * 1024;

export function priceId(batchId: string, itemIndex: number): string {
  return `${batchId}:${String(itemIndex).padStart(ITEM_INDEX_DIGITS, '0')}`;
}

/** The `_id` range holding every price of a batch: `:` sorts right before `;`. */
export function priceIdRange(batchId: string): { $gte: string; $lt: string } {
  return { $gte: `${batchId}:`, $lt: `${batchId};` };
}

export function toPriceDocument(batchId: string, price: PriceRecord): PriceDocument {
  return {
    _id: priceId(batchId, price.itemIndex),
    originCode: price.originCode,
    destinationCode: price.destinationCode,
    day: price.day,
    usdCents: price.usdCents,
    currency: price.currency,
    amountMinor: price.amountMinor,
    usdPerUnit: price.usdPerUnit,
  };
}

/** The batch id and the price, read back from a price document. */
export function fromPriceDocument(doc: PriceDocument): { batchId: string; price: PriceRecord } {
  const separator = doc._id.lastIndexOf(':');
  return {
    batchId: doc._id.slice(0, separator),
    price: {
      itemIndex: Number(doc._id.slice(separator + 1)),
      originCode: doc.originCode,
      destinationCode: doc.destinationCode,
      day: doc.day as EpochDay,
      usdCents: doc.usdCents,
      currency: doc.currency,
      amountMinor: doc.amountMinor,
      usdPerUnit: doc.usdPerUnit ?? '1',
    },
  };
}

export function exchangeRateDayId(provider: string, day: EpochDay): string {
  return `${provider}:${formatDay(day)}`;
}

export function claimOf(batch: NewBatch): IdempotencyKeyDocument {
  return {
    _id: batch.idempotencyKey,
    batchId: batch.id,
    requestHash: batch.requestHash,
    createdAt: batch.createdAt,
    status: batch.status,
    itemCount: batch.itemCount,
    acceptedCount: batch.prices.length,
  };
}

/** The batch document a claim commits; id and creation time come from the claim, not the attempt. */
export function batchDocumentOf(batch: NewBatch, claim: IdempotencyKeyDocument): BatchDocument {
  const errors = JSON.stringify(batch.errors);
  const inline = Buffer.byteLength(errors) <= INLINE_ERRORS_MAX_BYTES;
  return {
    _id: claim.batchId,
    idempotencyKey: batch.idempotencyKey,
    requestHash: batch.requestHash,
    status: batch.status,
    itemCount: batch.itemCount,
    acceptedCount: batch.prices.length,
    ...(inline ? { errors } : { errorsGz: new Binary(gzipSync(errors)) }),
    createdAt: claim.createdAt,
    retractedAt: null,
    countedAt: null,
    retractionAppliedAt: null,
  };
}

function errorsOf(doc: BatchDocument): BatchItemError[] {
  const text = doc.errorsGz ? gunzipSync(doc.errorsGz.buffer).toString('utf8') : (doc.errors ?? '[]');
  return JSON.parse(text) as BatchItemError[];
}

export function toBatch(doc: BatchDocument): Batch {
  return {
    id: doc._id,
    idempotencyKey: doc.idempotencyKey,
    requestHash: doc.requestHash,
    status: doc.status,
    itemCount: doc.itemCount,
    acceptedCount: doc.acceptedCount,
    rejectedCount: doc.itemCount - doc.acceptedCount,
    errors: errorsOf(doc),
    createdAt: doc.createdAt,
    retractedAt: doc.retractedAt,
    replicatedAt: replicatedAtFor(doc.status, doc.countedAt, doc.retractionAppliedAt),
  };
}

/**
 * What a conflicting request is told about an earlier attempt with its key that never committed: the
 * claim's facts. Its id names no batch (yet); its item errors were not kept with the claim.
 */
export function unfinishedBatchOf(claim: IdempotencyKeyDocument): Batch {
  return {
    id: claim.batchId,
    idempotencyKey: claim._id,
    requestHash: claim.requestHash,
    status: claim.status,
    itemCount: claim.itemCount,
    acceptedCount: claim.acceptedCount,
    rejectedCount: claim.itemCount - claim.acceptedCount,
    errors: [],
    createdAt: claim.createdAt,
    retractedAt: null,
    replicatedAt: null,
  };
}

export const toRegion = (doc: RegionDocument): Region => ({
  slug: doc._id,
  name: doc.name,
  parentSlug: doc.parentSlug,
});
export const toPort = (doc: PortDocument): Port => ({ code: doc._id, name: doc.name, regionSlug: doc.regionSlug });
