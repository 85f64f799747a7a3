import type {
  Batch,
  BatchChunk,
  BatchOwner,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewBatch,
  NewOpenBatch,
  PriceRecord,
  SettledStatus,
} from '../../domain/batch';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../domain/exchange-rates';
import type { Port, Region } from '../../domain/model';
import type { AppendVerdict, CommitVerdict } from '../../domain/batch-rules';
import type { ReplicaRecord, RetentionCandidate } from '../../domain/retention';
import type { BatchChange, ChangeFeed, ReplicatedChange } from './change-feed';

/*
 * The operational store, cut into one port per capability. Each consumer takes only the ports it uses;
 * each adapter (sqlite/, mongodb/) implements every port in a class of its own and composes them in
 * `open…()`. Each `…ByX`/`…For…` method takes many keys and answers in the same order, one entry or
 * `undefined` per key, so that per-request DataLoaders can batch them. The rules of the domain (which
 * status may do what, which chunks are missing, what a batch reports) live in `domain/batch-rules.ts`;
 * adapters apply them inside their own atomic steps.
 */

/** Ports and regions (the reference data) as the dataset or a later import describes them. */
export interface ReferenceDataStore {
  portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]>;
  regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]>;
  /** Direct child regions of each parent, ordered by slug. */
  childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]>;
  /** Every port in each region or in any region below it, ordered by code; empty for an unknown slug. */
  portsWithinRegions(slugs: readonly string[]): Promise<Port[][]>;
  allPorts(): Promise<Port[]>;
  allRegions(): Promise<Region[]>;
  /** Inserts or updates ports and regions; running it twice with the same data changes nothing. */
  upsert(data: ReferenceData): Promise<ReferenceDataCounts>;
  counts(): Promise<ReferenceDataCounts>;
  /**
   * A number that moves on with every upsert that may have changed a port or a region (one cheap
   * lookup): while it reads the same, so do all the reads above, which lets a process keep what it
   * resolved (locations/).
   */
  revision(): Promise<number>;
}

/** Batches as records: written whole, read, paged, retracted, and marked counted by the replicator. */
export interface BatchStore {
  /**
   * Records a batch and its prices durably and all at once: after a crash it is either wholly there or
   * absent. A batch whose idempotency key its owner already used is not written again: the outcome says
   * whether the earlier one was the same request (`existing`) or different content (`conflict`). Keys
   * are unique per owner: another owner's batch under the same key is never looked at.
   *
   * An adapter without transactions (MongoDB) may find an earlier attempt with the same key and content
   * that was interrupted before it committed; it then completes that attempt, and the `created` batch
   * keeps the earlier attempt's id and creation time, not `batch.id` and `batch.createdAt`. A `conflict`
   * with such an unfinished attempt describes it from what was claimed: its id names no batch (yet).
   */
  record(batch: NewBatch): Promise<RecordBatchOutcome>;
  byIds(ids: readonly string[]): Promise<(Batch | undefined)[]>;
  /** The batch `owner` recorded under `key` (null: the batches of no supplier, such as the seed's). */
  byIdempotencyKey(owner: BatchOwner, key: string): Promise<Batch | undefined>;
  /**
   * Newest first; `after` continues from the last batch of a previous page. With `ownedBy`, only the
   * batches of that owner; without it, every batch.
   */
  page(first: number, after: BatchCursor | undefined, ownedBy?: string): Promise<BatchPage>;
  /**
   * Marks a batch retracted once, if its status is one of `RETRACTABLE_STATUSES`; otherwise changes
   * nothing. Answers the batch as it is afterwards; undefined for an unknown id.
   */
  retract(id: string, at: Date): Promise<Batch | undefined>;
  /**
   * Undoes a retraction: a `RETRACTED` batch gets back the status it had (`restoredStatus`), reads
   * unreplicated again, and a `committed` change enters the feed, so that the replicator copies its
   * prices again as for a first commit. Any other status changes nothing. Answers the batch as it is
   * afterwards; undefined for an unknown id.
   */
  restore(id: string, at: Date): Promise<Batch | undefined>;
  /**
   * Up to `limit` prices of a batch whose prices are visible (`PRICES_VISIBLE_STATUSES`), in item order,
   * after `afterItemIndex` when given (from the start when null): a large batch is read a page at a
   * time. Empty for an unknown batch and for one whose prices do not count (yet).
   */
  pricesOf(batchId: string, afterItemIndex: number | null, limit: number): Promise<PriceRecord[]>;
  /** Notes that analytics now reflect these changes (sets `replicatedAt`); repeating it is harmless. */
  markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void>;
}

/** Batches sent in chunks: opened, filled chunk by chunk, then committed to the work queue or ended. */
export interface ChunkedBatchStore {
  /**
   * Opens a chunked batch (status `OPEN`). Its idempotency key is shared with its owner's
   * single-request batches: a key the owner used answers `existing` (same request) or `conflict`, as
   * {@link BatchStore.record} does.
   */
  open(batch: NewOpenBatch): Promise<RecordBatchOutcome>;
  /**
   * Keeps one chunk, as `appendVerdict` decides from the batch and any chunk already kept under the
   * same index. Undefined for an unknown batch id.
   */
  append(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined>;
  /** Closes an open batch to new chunks and queues it for a worker, as `commitVerdict` decides. */
  commit(batchId: string): Promise<CommitBatchOutcome | undefined>;
  /** Ends an open batch without processing it and removes its chunks' content; `not-open` otherwise. */
  end(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined>;
  /** Expires every open batch whose `openUntil` has passed; answers their ids. */
  expireDue(now: Date): Promise<string[]>;
}

/** The queue of committed chunked batches that workers lease, process chunk by chunk, and settle. */
export interface BatchWorkQueue {
  /**
   * Leases the oldest batch waiting for a worker: a `COMMITTED` one, or one `PROCESSING` whose worker
   * let its lease run out (it resumes where that worker got to). Undefined when none waits.
   */
  claim(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined>;
  /** The content of one chunk of a committed batch; undefined once the batch is settled. */
  chunk(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined>;
  /**
   * Writes a chunk's prices and progress and extends the lease to `leaseUntil`, all at once, if
   * `holder` still holds the batch and `outcome.chunkIndex` is the next chunk; false (nothing written)
   * otherwise: another worker took the batch over.
   */
  recordChunk(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean>;
  /**
   * Settles a fully processed batch as `ACCEPTED` (its prices enter the change feed) or `REJECTED`
   * (prices written so far are removed), removes its chunks' content and ends the lease. Undefined when
   * `holder` no longer holds it.
   */
  settle(batchId: string, holder: string, status: SettledStatus, at: Date): Promise<Batch | undefined>;
  /** Hands a batch back (`COMMITTED`, progress kept) so that another worker resumes it at once. */
  handBack(batchId: string, holder: string): Promise<void>;
  /**
   * How long the queue is at `now` (what workers are scaled on): read through the work-queue index, so
   * it costs as much as the queue is long, not as many batches as the store holds.
   */
  depth(now: Date): Promise<BatchQueueDepth>;
}

/** The batch work queue at one moment. */
export interface BatchQueueDepth {
  /** Batches {@link BatchWorkQueue.claim} would hand out: `COMMITTED`, or `PROCESSING` with a lapsed lease. */
  readonly waiting: number;
  /** Batches `PROCESSING` under a lease still running. */
  readonly inWork: number;
  /**
   * When the oldest waiting batch was created (the queue's order; the time of its commit is not
   * stored); undefined when none waits.
   */
  readonly oldestWaitingCreatedAt: Date | undefined;
}

/** US dollar exchange rates per provider, currency and day. */
export interface ExchangeRateTable {
  /** Decimal text per (currency, day), in the order asked; undefined where none is stored for that day. */
  ratesFor(provider: ExchangeRateProviderName, pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]>;
  /**
   * Stores rates, each replacing the rate stored for its (currency, day); `source` says where they came
   * from. Answers how many were new or changed (0 when all were there already).
   */
  save(provider: ExchangeRateProviderName, rates: readonly DailyUsdRate[], source: string): Promise<number>;
  /** Per currency, by code: the first and last day with a rate, and how many days have one. */
  coverage(provider: ExchangeRateProviderName): Promise<CurrencyCoverage[]>;
  /** Whether any stored rate of the provider came from `source`. */
  hasRatesFrom(provider: ExchangeRateProviderName, source: string): Promise<boolean>;
}

/** The leases that let one replicator at a time write to one analytics replica. */
export interface ReplicationLeases {
  /**
   * Takes or renews the lease. True when `holder` holds it until `now + ttlMs`; false while another
   * holder's lease is still running, unless that holder is `replacing` (one the caller knows to be dead).
   */
  acquire(replicaId: string, holder: string, ttlMs: number, now: Date, replacing?: string): Promise<boolean>;
  /** Who holds (or last held) a replica's lease; undefined when nobody does. */
  holder(replicaId: string): Promise<string | undefined>;
  release(replicaId: string, holder: string): Promise<void>;
}

/**
 * The analytics replicas that follow this store and what each has applied, so that retention never
 * removes a price some replica still has to copy (see `domain/retention.ts`).
 */
export interface ReplicaRegistry {
  /**
   * Records that the replica was heard from at `at`, registering it on its first call (`registered`
   * true then) and, with `acknowledgementsOf`, giving it that replica's acknowledgements as they stand
   * (a replica bootstrapped from another's export holds what that one held). Answers the record.
   */
  heartbeat(
    replicaId: string,
    at: Date,
    acknowledgementsOf?: string,
  ): Promise<{ readonly replica: ReplicaRecord; readonly registered: boolean }>;
  /**
   * Records that the replica applied these changes (each commit acknowledges the batch's commit it
   * came from; a later restore is a new commit, not acknowledged yet) and was heard from at `at`.
   * A retired replica's acknowledgements are ignored.
   */
  acknowledge(replicaId: string, changes: readonly BatchChange[], at: Date): Promise<void>;
  /** Forgets a replica and its acknowledgements (one refused at its start, before it applied anything). */
  unregister(replicaId: string): Promise<void>;
  /** Every registered replica, retired ones included. */
  replicas(): Promise<ReplicaRecord[]>;
  /**
   * Retires those of these replicas not heard from since `silentSince`, at `at`; answers the ids it
   * retired (none twice).
   */
  retire(replicaIds: readonly string[], silentSince: Date, at: Date): Promise<string[]>;
}

/**
 * The prices retention removes from the store, in bounded steps; which batches may go is decided by
 * the caller (`retention/`) from {@link candidates} and the registry, by `domain/retention.ts`.
 */
export interface PriceRetention {
  /**
   * Up to `limit` `ACCEPTED` batches counted at or before `countedBefore` whose prices have not all
   * been removed, oldest counted first, each with the replicas that acknowledged its current commit.
   */
  candidates(countedBefore: Date, limit: number): Promise<RetentionCandidate[]>;
  /**
   * Marks a batch's prices as leaving, if it is still `ACCEPTED` and counted at `countedAt` (not
   * retracted or restored since it was read): from then on it cannot be restored and a replica that
   * starts empty is refused. True when the batch is (or already was) marked.
   */
  markPruning(batchId: string, countedAt: Date): Promise<boolean>;
  /**
   * Removes up to `maxPrices` prices of a batch marked pruning, in one short atomic step, and once none
   * is left its chunk records; answers how many prices it removed (0 once the batch is done).
   */
  removePrices(batchId: string, maxPrices: number): Promise<number>;
  /** Whether any batch was ever marked pruning (a replica starting empty cannot be rebuilt from here). */
  hasPruned(): Promise<boolean>;
  /** How many prices the store holds (for the retention metric and the bench). */
  priceCount(): Promise<number>;
}

/** The opened operational store: its ports, composed by an adapter's `open…()`. */
export interface OperationalStore {
  readonly referenceData: ReferenceDataStore;
  readonly batches: BatchStore;
  readonly chunkedBatches: ChunkedBatchStore;
  readonly batchWork: BatchWorkQueue;
  readonly exchangeRates: ExchangeRateTable;
  readonly replicationLeases: ReplicationLeases;
  readonly replicas: ReplicaRegistry;
  readonly retention: PriceRetention;
  /** The ordered feed of batch commits and retractions the replicator follows. */
  readonly changeFeed: ChangeFeed;
  /**
   * Resolves when the store answers a cheap round trip; rejects with OPERATIONAL_STORE_UNAVAILABLE when
   * it cannot be reached (readiness asks this).
   */
  checkAvailable(): Promise<void>;
  close(): Promise<void>;
}

/** Ports and regions exactly as the reference dataset (or a later import) describes them. */
export interface ReferenceData {
  readonly regions: readonly Region[];
  readonly ports: readonly Port[];
}

export interface ReferenceDataCounts {
  readonly regions: number;
  readonly ports: number;
}

export type RecordBatchOutcome =
  | { readonly kind: 'created'; readonly batch: Batch }
  | { readonly kind: 'existing'; readonly batch: Batch }
  | { readonly kind: 'conflict'; readonly batch: Batch };

/** The verdict on an append, with the batch as it stands afterwards. */
export type AppendChunkOutcome = AppendVerdict & { readonly batch: Batch };

/** The verdict on a commit, with the batch as it stands afterwards. */
export type CommitBatchOutcome = CommitVerdict & { readonly batch: Batch };

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
