import type {
  Batch,
  BatchChunk,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewBatch,
  NewOpenBatch,
  PriceRecord,
} from '../../domain/batch';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../domain/exchange-rates';
import type { Port, Region, ResolvedLocation } from '../../domain/model';
import type { ChangeFeed } from './change-feed';

/** Ports and regions exactly as the reference dataset (or a later import) describes them. */
export interface ReferenceData {
  readonly regions: readonly Region[];
  readonly ports: readonly Port[];
}

export interface ReferenceDataCounts {
  readonly regions: number;
  readonly ports: number;
}

/**
 * The operational store: the system of record behind the API (SQLite embedded, MongoDB in
 * production). Methods name domain operations; each `…For…`/`…By…` method takes many keys and answers
 * in the same order, one list or `undefined` per key, so that per-request DataLoaders can batch them.
 */
export interface OperationalStore {
  portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]>;
  regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]>;
  /** Direct child regions of each parent. */
  childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]>;
  /** Every port in each region or in any region below it, ordered by code. */
  portsWithinRegions(slugs: readonly string[]): Promise<Port[][]>;
  allPorts(): Promise<Port[]>;
  allRegions(): Promise<Region[]>;
  /** A port code or a region slug to the ports it stands for; undefined when it names nothing. */
  resolveLocation(id: string): Promise<ResolvedLocation | undefined>;
  /** Inserts or updates ports and regions; running it twice with the same data changes nothing. */
  upsertReferenceData(data: ReferenceData): Promise<ReferenceDataCounts>;
  referenceDataCounts(): Promise<ReferenceDataCounts>;

  /**
   * Records a batch and its prices durably and all at once: after a crash it is either wholly there or
   * absent. A batch whose idempotency key is already taken is not written again: the outcome says
   * whether the earlier one was the same request (`existing`) or different content (`conflict`).
   *
   * An adapter without transactions (MongoDB) may find an earlier attempt with the same key and content
   * that was interrupted before it committed; it then completes that attempt, and the `created` batch
   * keeps the earlier attempt's id and creation time, not `batch.id` and `batch.createdAt`. A `conflict`
   * with such an unfinished attempt describes it from what was claimed: its id names no batch (yet).
   */
  recordBatch(batch: NewBatch): Promise<RecordBatchOutcome>;
  batchesByIds(ids: readonly string[]): Promise<(Batch | undefined)[]>;
  batchByIdempotencyKey(key: string): Promise<Batch | undefined>;
  /** Newest first; `after` continues from the last batch of a previous page. */
  listBatches(first: number, after: BatchCursor | undefined): Promise<BatchPage>;
  /**
   * Marks a settled batch (`ACCEPTED` or `REJECTED`) retracted, once: retracting again, or a batch still
   * open or in a worker's hands, changes nothing and answers the batch as it is. Undefined for an
   * unknown id.
   */
  retractBatch(id: string, at: Date): Promise<Batch | undefined>;
  /**
   * A committed batch's prices with an item index above `afterItemIndex` (-1: from the start), in item
   * order, at most `limit`: a large batch is read a page at a time. Empty for an unknown batch and for
   * one whose prices are not committed (yet).
   */
  pricesOfBatch(batchId: string, afterItemIndex: number, limit: number): Promise<PriceRecord[]>;
  /** Notes that analytics now reflect these changes (sets `replicatedAt`); repeating it is harmless. */
  markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void>;

  /**
   * Opens a chunked batch (status `OPEN`). Its idempotency key is shared with single-request batches:
   * a taken key answers `existing` (same request) or `conflict`, as {@link recordBatch} does.
   */
  openBatch(batch: NewOpenBatch): Promise<RecordBatchOutcome>;
  /**
   * Keeps one chunk of an open batch. A chunk index already kept answers `duplicate` when the content
   * hash matches (a retry: nothing is written) and `conflict` otherwise; a batch that is no longer open
   * answers `not-open`; `too-many-items` when the chunk would take the batch past `maxItems`. Undefined
   * for an unknown batch id.
   */
  appendBatchChunk(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined>;
  /**
   * Closes an open batch to new chunks and queues it for a worker (`COMMITTED`). Its chunks must be
   * numbered 0 to n-1 with n ≥ 1, else `missing-chunks` lists the gaps (and `[0]` for none at all).
   * Committing a batch already committed (or further along) answers `already-committed`.
   */
  commitBatch(batchId: string): Promise<CommitBatchOutcome | undefined>;
  /**
   * Ends an open batch without processing it (`ABORTED` on request, `EXPIRED` past its deadline) and
   * removes its chunks; `not-open` for a batch already committed or ended.
   */
  endOpenBatch(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined>;
  /** Expires every open batch whose `openUntil` has passed; answers their ids. */
  expireOpenBatches(now: Date): Promise<string[]>;

  /**
   * Leases the oldest batch waiting for a worker: a `COMMITTED` one, or one `PROCESSING` whose worker
   * let its lease run out (it resumes where that worker got to). Undefined when none waits.
   */
  claimBatchWork(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined>;
  /** The content of one chunk of a committed batch; undefined once the batch is settled. */
  chunkToProcess(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined>;
  /**
   * Writes a chunk's prices and progress and extends the lease to `leaseUntil`, all at once, if
   * `holder` still holds the batch and `outcome.chunkIndex` is the next chunk; false (nothing written)
   * otherwise: another worker took the batch over.
   */
  recordChunkOutcome(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean>;
  /**
   * Settles a fully processed batch as `ACCEPTED` (its prices enter the change feed) or `REJECTED`
   * (prices written so far are removed), removes its chunks and ends the lease. Undefined when `holder`
   * no longer holds it.
   */
  settleBatchWork(
    batchId: string,
    holder: string,
    status: 'ACCEPTED' | 'REJECTED',
    at: Date,
  ): Promise<Batch | undefined>;
  /** Hands a batch back (`COMMITTED`, progress kept) so that another worker resumes it at once. */
  releaseBatchWork(batchId: string, holder: string): Promise<void>;

  /**
   * US dollars per unit (decimal text) of each (currency, day), in the order asked, from one provider's
   * rates; undefined where none is stored for exactly that day.
   */
  exchangeRatesFor(provider: ExchangeRateProviderName, pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]>;
  /**
   * Stores rates under one provider, each replacing the rate stored for its (currency, day); `source`
   * says where they came from. Answers how many were new or changed (0 when all were there already).
   */
  saveExchangeRates(
    provider: ExchangeRateProviderName,
    rates: readonly DailyUsdRate[],
    source: string,
  ): Promise<number>;
  /** Per currency of one provider, by code: the first and last day with a rate, and how many days have one. */
  exchangeRateCoverage(provider: ExchangeRateProviderName): Promise<CurrencyCoverage[]>;
  /** Whether any stored rate of the provider came from `source`. */
  hasExchangeRatesFrom(provider: ExchangeRateProviderName, source: string): Promise<boolean>;

  /** The ordered feed of batch commits and retractions the replicator follows. */
  readonly changeFeed: ChangeFeed;
  /**
   * Takes or renews the lease that lets one replicator write to one analytics replica. True when
   * `holder` holds it until `now + ttlMs`; false while another holder's lease is still running, unless
   * that holder is `replacing` (a holder the caller knows to be dead: it takes the lease over).
   */
  acquireReplicationLease(
    replicaId: string,
    holder: string,
    ttlMs: number,
    now: Date,
    replacing?: string,
  ): Promise<boolean>;
  /** Who holds (or last held) a replica's lease; undefined when nobody does. */
  replicationLeaseHolder(replicaId: string): Promise<string | undefined>;
  releaseReplicationLease(replicaId: string, holder: string): Promise<void>;
  /**
   * Resolves when the store answers a cheap round trip; rejects with OPERATIONAL_STORE_UNAVAILABLE when
   * it cannot be reached (readiness asks this).
   */
  checkAvailable(): Promise<void>;
  close(): Promise<void>;
}

export type RecordBatchOutcome =
  | { readonly kind: 'created'; readonly batch: Batch }
  | { readonly kind: 'existing'; readonly batch: Batch }
  | { readonly kind: 'conflict'; readonly batch: Batch };

export type AppendChunkOutcome =
  | { readonly kind: 'appended' | 'duplicate' | 'conflict' | 'not-open'; readonly batch: Batch }
  | { readonly kind: 'too-many-items'; readonly batch: Batch; readonly maxItems: number };

export type CommitBatchOutcome =
  | { readonly kind: 'committed' | 'already-committed' | 'not-open'; readonly batch: Batch }
  | { readonly kind: 'missing-chunks'; readonly batch: Batch; readonly missing: readonly number[] };

export interface EndOpenBatchOutcome {
  readonly kind: 'ended' | 'not-open';
  readonly batch: Batch;
}

/** Position after which a page of batches continues: the last batch's creation time and id. */
export interface BatchCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export interface BatchPage {
  readonly batches: Batch[];
  readonly hasMore: boolean;
}

export interface ReplicatedChange {
  readonly batchId: string;
  readonly kind: BatchChangeKind;
}

export type BatchChangeKind = 'committed' | 'retracted';
