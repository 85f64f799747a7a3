import type { Batch, NewBatch, PriceRecord } from '../../domain/batch';
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
  /** Marks a batch retracted (once; retracting again changes nothing); undefined for an unknown id. */
  retractBatch(id: string, at: Date): Promise<Batch | undefined>;
  /** The prices each batch holds, in item order. */
  pricesOfBatches(ids: readonly string[]): Promise<Map<string, PriceRecord[]>>;
  /** Notes that analytics now reflect these changes (sets `replicatedAt`); repeating it is harmless. */
  markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void>;

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
  close(): Promise<void>;
}

export type RecordBatchOutcome =
  | { readonly kind: 'created'; readonly batch: Batch }
  | { readonly kind: 'existing'; readonly batch: Batch }
  | { readonly kind: 'conflict'; readonly batch: Batch };

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
