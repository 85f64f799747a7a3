import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type IndexDescription,
  type MongoClientOptions,
  type WriteError,
} from 'mongodb';
import pino from 'pino';
import type {
  Batch,
  BatchChunk,
  BatchWork,
  ChunkOutcome,
  ChunkToProcess,
  NewBatch,
  NewOpenBatch,
  PriceRecord,
} from '../../../domain/batch';
import type { EpochDay } from '../../../domain/day';
import type {
  CurrencyCoverage,
  CurrencyDay,
  DailyUsdRate,
  ExchangeRateProviderName,
} from '../../../domain/exchange-rates';
import type { Port, Region, ResolvedLocation } from '../../../domain/model';
import type { Logger } from '../../../logging/logger';
import type { ChangeFeed } from '../change-feed';
import type {
  AppendChunkOutcome,
  BatchCursor,
  BatchPage,
  CommitBatchOutcome,
  EndOpenBatchOutcome,
  OperationalStore,
  RecordBatchOutcome,
  ReferenceData,
  ReferenceDataCounts,
  ReplicatedChange,
} from '../operational-store';
import {
  COLLECTIONS,
  batchDocumentOf,
  claimOf,
  exchangeRateDayId,
  fromPriceDocument,
  priceId,
  priceIdRange,
  toBatch,
  toPort,
  toPriceDocument,
  toRegion,
  unfinishedBatchOf,
  type BatchDocument,
  type ChunkDocument,
  type ExchangeRateDayDocument,
  type IdempotencyKeyDocument,
  type LeaseDocument,
  type PortDocument,
  type PriceDocument,
  type RegionDocument,
} from './documents';
import { guardStore, isNetworkError } from '../../store-errors';
import { MongoChangeFeed } from './mongo-change-feed';
import { MongoChunkedBatches } from './mongo-chunked-batches';

export interface MongoOperationalStoreOptions {
  readonly uri: string;
  readonly database: string;
  readonly log?: Logger;
  /** Passed to `MongoClient` as they are (TLS, pool size, timeouts, …). */
  readonly clientOptions?: MongoClientOptions;
  /** Prices per `insertMany`; default 10,000. */
  readonly priceChunkSize?: number;
  /** `insertMany` calls of one batch in flight at once; default 4. */
  readonly priceWriteConcurrency?: number;
  /** Longest one change-stream `getMore` waits on the server; default 500 ms. */
  readonly changeStreamAwaitMs?: number;
  /** Batch documents per snapshot read of the change feed; default 1,000, at least 2 (a page repeats its predecessor's last). */
  readonly snapshotPageSize?: number;
}

const DUPLICATE_KEY = 11000;
/** Days per read and per bulkWrite when saving exchange rates (the shipped table has about 1,800). */
const EXCHANGE_RATE_DAYS_PER_WRITE = 1_000;
const NAMESPACE_EXISTS = 48;

/** Indexes beyond `_id`; the shard keys are applied by the deployment (docs/operational-store-mongodb.md). */
const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.regions]: [{ key: { parentSlug: 1 }, name: 'by_parent' }],
  [COLLECTIONS.ports]: [{ key: { regionSlug: 1 }, name: 'by_region' }],
  [COLLECTIONS.batches]: [
    { key: { createdAt: -1, _id: -1 }, name: 'newest_first' },
    { key: { countedAt: 1, committedAt: 1 }, name: 'commit_not_yet_counted' },
    { key: { status: 1, retractionAppliedAt: 1, retractedAt: 1 }, name: 'retraction_not_yet_applied' },
    // Workers' claim (COMMITTED, or PROCESSING with a lapsed lease, oldest first) and the expiry of
    // OPEN batches. Status first instead of partial indexes, which FerretDB 1.24 lacks.
    { key: { status: 1, createdAt: 1 }, name: 'work_queue' },
    { key: { status: 1, openUntil: 1 }, name: 'open_until' },
  ],
  [COLLECTIONS.prices]: [],
  [COLLECTIONS.batchChunks]: [],
  [COLLECTIONS.idempotencyKeys]: [],
  [COLLECTIONS.replicationLeases]: [],
  [COLLECTIONS.exchangeRates]: [{ key: { provider: 1, sourceNames: 1 }, name: 'by_source' }],
};

/**
 * Server errors that mean "no primary to take this now" (failover, shutdown, a shard unreachable from
 * mongos): HostUnreachable 6, HostNotFound 7, NetworkTimeout 89, ShutdownInProgress 91,
 * PrimarySteppedDown 189, FailedToSatisfyReadPreference 133, NotWritablePrimary 10107,
 * InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602, NotPrimaryNoSecondaryOk 13435,
 * NotPrimaryOrSecondary 13436.
 */
const UNAVAILABLE_SERVER_CODES = new Set([6, 7, 89, 91, 133, 189, 10107, 11600, 11602, 13435, 13436]);

/** MongoDB could not be reached: no server selected in time, a dropped connection, no primary. */
export function isMongoUnavailable(error: unknown, depth = 0): boolean {
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true;
  if (error instanceof MongoServerError && typeof error.code === 'number' && UNAVAILABLE_SERVER_CODES.has(error.code)) {
    return true;
  }
  // A bulk write cut off by a dropped connection carries the network error as its cause (and as
  // `errorResponse`), with no write error of its own.
  if (depth < 3 && error instanceof Error) {
    const inner = [error.cause, (error as { errorResponse?: unknown }).errorResponse];
    if (inner.some((e) => e !== undefined && e !== error && isMongoUnavailable(e, depth + 1))) return true;
  }
  return isNetworkError(error);
}

const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

const isWriteErrorList = (value: WriteError | readonly WriteError[]): value is readonly WriteError[] =>
  Array.isArray(value);

/** A bulk insert whose only failures are keys already there: a retry of prices written before. */
function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError()) return false;
  const reported: WriteError | readonly WriteError[] = error.writeErrors;
  const writeErrors: readonly WriteError[] = isWriteErrorList(reported) ? reported : [reported];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}

/**
 * The operational store on MongoDB, built for a sharded cluster: no multi-document transactions. A
 * batch becomes visible all at once because one single-document write is its commit: the prices are
 * written first, and nothing reads prices or emits a change before it. For a single-request batch that
 * write is the insert of its `batches` document; for a chunked batch (whose document exists from
 * `openBatch` on) it is the update that settles it (`mongo-chunked-batches.ts`).
 * See docs/operational-store-mongodb.md.
 */
export class MongoOperationalStore implements OperationalStore {
  readonly changeFeed: ChangeFeed;
  private readonly regions: Collection<RegionDocument>;
  private readonly ports: Collection<PortDocument>;
  private readonly batches: Collection<BatchDocument>;
  private readonly prices: Collection<PriceDocument>;
  private readonly keys: Collection<IdempotencyKeyDocument>;
  private readonly leases: Collection<LeaseDocument>;
  private readonly chunked: MongoChunkedBatches;
  private readonly exchangeRates: Collection<ExchangeRateDayDocument>;
  private readonly priceChunkSize: number;
  private readonly priceWriteConcurrency: number;

  private constructor(
    private readonly client: MongoClient,
    db: Db,
    options: MongoOperationalStoreOptions,
  ) {
    this.regions = db.collection(COLLECTIONS.regions);
    this.ports = db.collection(COLLECTIONS.ports);
    this.batches = db.collection(COLLECTIONS.batches);
    this.prices = db.collection(COLLECTIONS.prices);
    this.keys = db.collection(COLLECTIONS.idempotencyKeys);
    this.leases = db.collection(COLLECTIONS.replicationLeases);
    this.exchangeRates = db.collection(COLLECTIONS.exchangeRates);
    this.priceChunkSize = options.priceChunkSize ?? 10_000;
    this.priceWriteConcurrency = options.priceWriteConcurrency ?? 4;
    this.chunked = new MongoChunkedBatches({
      batches: this.batches,
      chunks: db.collection<ChunkDocument>(COLLECTIONS.batchChunks),
      prices: this.prices,
      claimKey: (claim) => this.claimKey(claim),
      writePrices: (batchId, prices) => this.writePrices(batchId, prices),
      isDuplicateKey,
    });
    this.changeFeed = new MongoChangeFeed(
      client,
      db,
      { awaitMs: options.changeStreamAwaitMs ?? 500, snapshotPageSize: Math.max(2, options.snapshotPageSize ?? 1000) },
      options.log ?? pino({ level: 'silent' }),
    );
  }

  /** Connects and creates the collections and indexes that are missing; safe to run from every process. */
  static async open(options: MongoOperationalStoreOptions): Promise<MongoOperationalStore> {
    const client = new MongoClient(options.uri, options.clientOptions);
    await client.connect();
    try {
      // Acknowledged means durable: on a majority of the replica set's members, in their journals.
      const db = client.db(options.database, { writeConcern: { w: 'majority', journal: true } });
      await createCollectionsAndIndexes(db);
      return guardStore(new MongoOperationalStore(client, db, options), 'operational', isMongoUnavailable, [
        'changeFeed',
      ]);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async portsByCodes(codes: readonly string[]): Promise<(Port | undefined)[]> {
    const found = await this.ports.find({ _id: { $in: [...codes] } }).toArray();
    const byCode = new Map(found.map((doc) => [doc._id, toPort(doc)]));
    return codes.map((code) => byCode.get(code));
  }

  async regionsBySlugs(slugs: readonly string[]): Promise<(Region | undefined)[]> {
    const found = await this.regions.find({ _id: { $in: [...slugs] } }).toArray();
    const bySlug = new Map(found.map((doc) => [doc._id, toRegion(doc)]));
    return slugs.map((slug) => bySlug.get(slug));
  }

  async childRegionsFor(parentSlugs: readonly string[]): Promise<Region[][]> {
    const children = await this.regions
      .find({ parentSlug: { $in: [...parentSlugs] } })
      .sort({ _id: 1 })
      .toArray();
    return parentSlugs.map((parent) => children.filter((doc) => doc.parentSlug === parent).map(toRegion));
  }

  async portsWithinRegions(slugs: readonly string[]): Promise<Port[][]> {
    const trees = await this.regionTrees(slugs);
    const allSlugs = [...new Set(trees.flatMap((tree) => [...tree]))];
    const ports =
      allSlugs.length === 0
        ? []
        : await this.ports
            .find({ regionSlug: { $in: allSlugs } })
            .sort({ _id: 1 })
            .toArray();
    return trees.map((tree) => ports.filter((doc) => tree.has(doc.regionSlug)).map(toPort));
  }

  async allPorts(): Promise<Port[]> {
    return (await this.ports.find().sort({ _id: 1 }).toArray()).map(toPort);
  }

  async allRegions(): Promise<Region[]> {
    return (await this.regions.find().sort({ _id: 1 }).toArray()).map(toRegion);
  }

  async resolveLocation(id: string): Promise<ResolvedLocation | undefined> {
    if (await this.ports.findOne({ _id: id }, { projection: { _id: 1 } })) return { kind: 'port', id, portCodes: [id] };
    if (!(await this.regions.findOne({ _id: id }, { projection: { _id: 1 } }))) return undefined;
    const [ports] = await this.portsWithinRegions([id]);
    return { kind: 'region', id, portCodes: (ports ?? []).map((p) => p.code) };
  }

  /**
   * Writes only what differs from what is stored (regions first, then ports), as unordered upserts:
   * loading the same data again writes nothing. There is no transaction: a crash in between leaves part
   * of the data written, and running it again completes it. Names that would dangle (a port in an
   * unknown region, an unknown parent) are refused before anything is written.
   */
  async upsertReferenceData(data: ReferenceData): Promise<ReferenceDataCounts> {
    const [storedRegions, storedPorts] = await Promise.all([
      this.regions.find().toArray(),
      this.ports.find().toArray(),
    ]);
    const known = new Set([...storedRegions.map((doc) => doc._id), ...data.regions.map((r) => r.slug)]);
    for (const region of data.regions) {
      if (region.parentSlug !== null && !known.has(region.parentSlug)) {
        throw new Error(`Region ${region.slug} names the parent region ${region.parentSlug}, which does not exist`);
      }
    }
    for (const port of data.ports) {
      if (!known.has(port.regionSlug)) {
        throw new Error(`Port ${port.code} names the region ${port.regionSlug}, which does not exist`);
      }
    }
    const regionById = new Map(storedRegions.map((doc) => [doc._id, doc]));
    const portById = new Map(storedPorts.map((doc) => [doc._id, doc]));
    const regions = data.regions.filter((r) => {
      const stored = regionById.get(r.slug);
      return !stored || stored.name !== r.name || stored.parentSlug !== r.parentSlug;
    });
    const ports = data.ports.filter((p) => {
      const stored = portById.get(p.code);
      return !stored || stored.name !== p.name || stored.regionSlug !== p.regionSlug;
    });
    if (regions.length > 0) {
      await this.regions.bulkWrite(
        regions.map((r): AnyBulkWriteOperation<RegionDocument> => ({
          replaceOne: {
            filter: { _id: r.slug },
            replacement: { name: r.name, parentSlug: r.parentSlug },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    if (ports.length > 0) {
      await this.ports.bulkWrite(
        ports.map((p): AnyBulkWriteOperation<PortDocument> => ({
          replaceOne: {
            filter: { _id: p.code },
            replacement: { name: p.name, regionSlug: p.regionSlug },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    }
    return this.referenceDataCounts();
  }

  async referenceDataCounts(): Promise<ReferenceDataCounts> {
    const [regions, ports] = await Promise.all([this.regions.countDocuments(), this.ports.countDocuments()]);
    return { regions, ports };
  }

  /**
   * 1. Claim the idempotency key (its `_id` is the key, so one claim wins).
   * 2. Write the prices under deterministic ids; duplicates from an earlier attempt are skipped.
   * 3. Insert the batch document: the commit. Until then the batch is invisible to every reader.
   * A claim whose batch never committed (the attempt crashed) is completed by the next attempt with the
   * same content, under the claim's batch id and creation time.
   */
  async recordBatch(batch: NewBatch): Promise<RecordBatchOutcome> {
    const claimed = await this.claimKey(claimOf(batch));
    if ('kind' in claimed) return claimed;
    const claim = claimed.claim;
    await this.writePrices(claim.batchId, batch.prices);
    const doc = batchDocumentOf(batch, claim);
    try {
      await this.batches.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A concurrent attempt with the same key and content committed first.
      const committed = await this.batches.findOne({ _id: claim.batchId });
      if (!committed) throw error;
      return { kind: 'existing', batch: toBatch(committed) };
    }
    return { kind: 'created', batch: toBatch(doc) };
  }

  async batchesByIds(ids: readonly string[]): Promise<(Batch | undefined)[]> {
    const found = await this.batches.find({ _id: { $in: [...new Set(ids)] } }).toArray();
    const byId = new Map(found.map((doc) => [doc._id, toBatch(doc)]));
    return ids.map((id) => byId.get(id));
  }

  async batchByIdempotencyKey(key: string): Promise<Batch | undefined> {
    const claim = await this.keys.findOne({ _id: key });
    if (!claim) return undefined;
    const doc = await this.batches.findOne({ _id: claim.batchId });
    return doc ? toBatch(doc) : undefined;
  }

  async listBatches(first: number, after: BatchCursor | undefined): Promise<BatchPage> {
    const filter = after
      ? { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }] }
      : {};
    const docs = await this.batches
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(first + 1)
      .toArray();
    return { batches: docs.slice(0, first).map(toBatch), hasMore: docs.length > first };
  }

  /** Settled batches only: one still open or in a worker's hands has nothing committed to take back. */
  async retractBatch(id: string, at: Date): Promise<Batch | undefined> {
    await this.batches.updateOne(
      { _id: id, status: { $in: ['ACCEPTED', 'REJECTED'] } },
      { $set: { status: 'RETRACTED', retractedAt: at } },
    );
    const doc = await this.batches.findOne({ _id: id });
    return doc ? toBatch(doc) : undefined;
  }

  async pricesOfBatch(batchId: string, afterItemIndex: number, limit: number): Promise<PriceRecord[]> {
    // Prices of a batch without its document belong to an unfinished attempt, and those of a chunked
    // batch not settled yet to work in progress: neither is committed. A rejected batch holds none.
    const committed = await this.batches.countDocuments(
      { _id: batchId, status: { $in: ['ACCEPTED', 'RETRACTED'] } },
      { limit: 1 },
    );
    if (committed === 0) return [];
    const range = priceIdRange(batchId);
    const from = afterItemIndex < 0 ? { $gte: range.$gte } : { $gt: priceId(batchId, afterItemIndex) };
    const docs = await this.prices
      .find({ _id: { ...from, $lt: range.$lt } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => fromPriceDocument(doc).price);
  }

  async markReplicated(changes: readonly ReplicatedChange[], at: Date): Promise<void> {
    const ids = (kind: ReplicatedChange['kind']) => [
      ...new Set(changes.filter((c) => c.kind === kind).map((c) => c.batchId)),
    ];
    const counted = ids('committed');
    const retracted = ids('retracted');
    await Promise.all([
      counted.length > 0 &&
        this.batches.updateMany({ _id: { $in: counted }, countedAt: null }, { $set: { countedAt: at } }),
      retracted.length > 0 &&
        this.batches.updateMany(
          { _id: { $in: retracted }, retractionAppliedAt: null },
          { $set: { retractionAppliedAt: at } },
        ),
    ]);
  }

  openBatch(batch: NewOpenBatch): Promise<RecordBatchOutcome> {
    return this.chunked.open(batch);
  }

  appendBatchChunk(batchId: string, chunk: BatchChunk, maxItems: number): Promise<AppendChunkOutcome | undefined> {
    return this.chunked.append(batchId, chunk, maxItems);
  }

  commitBatch(batchId: string): Promise<CommitBatchOutcome | undefined> {
    return this.chunked.commit(batchId);
  }

  endOpenBatch(batchId: string, status: 'ABORTED' | 'EXPIRED'): Promise<EndOpenBatchOutcome | undefined> {
    return this.chunked.endOpen(batchId, status);
  }

  expireOpenBatches(now: Date): Promise<string[]> {
    return this.chunked.expire(now);
  }

  claimBatchWork(holder: string, ttlMs: number, now: Date): Promise<BatchWork | undefined> {
    return this.chunked.claim(holder, ttlMs, now);
  }

  chunkToProcess(batchId: string, chunkIndex: number): Promise<ChunkToProcess | undefined> {
    return this.chunked.chunkToProcess(batchId, chunkIndex);
  }

  recordChunkOutcome(batchId: string, holder: string, outcome: ChunkOutcome, leaseUntil: Date): Promise<boolean> {
    return this.chunked.recordChunkOutcome(batchId, holder, outcome, leaseUntil);
  }

  settleBatchWork(
    batchId: string,
    holder: string,
    status: 'ACCEPTED' | 'REJECTED',
    at: Date,
  ): Promise<Batch | undefined> {
    return this.chunked.settle(batchId, holder, status, at);
  }

  releaseBatchWork(batchId: string, holder: string): Promise<void> {
    return this.chunked.release(batchId, holder);
  }

  async exchangeRatesFor(
    provider: ExchangeRateProviderName,
    pairs: readonly CurrencyDay[],
  ): Promise<(string | undefined)[]> {
    if (pairs.length === 0) return [];
    const ids = [...new Set(pairs.map((p) => exchangeRateDayId(provider, p.day)))];
    const days = new Map<number, Record<string, string>>();
    for (let start = 0; start < ids.length; start += EXCHANGE_RATE_DAYS_PER_WRITE) {
      const found = await this.exchangeRates
        .find(
          { _id: { $in: ids.slice(start, start + EXCHANGE_RATE_DAYS_PER_WRITE) } },
          { projection: { day: 1, rates: 1 } },
        )
        .toArray();
      for (const doc of found) days.set(doc.day, doc.rates);
    }
    return pairs.map((p) => days.get(p.day)?.[p.currency]);
  }

  /**
   * Groups the rates by day, reads those days, inserts the new days and `$set`s the currencies whose
   * rate or source differs on the others: saving the same rates again writes nothing.
   * Answers how many rates were new or changed. Two processes saving the same day at once both write
   * their rates; `sourceNames` is recomputed from what each read, so it may keep a name whose rates
   * were all replaced concurrently (it only decides whether the shipped table is loaded again).
   */
  async saveExchangeRates(
    provider: ExchangeRateProviderName,
    rates: readonly DailyUsdRate[],
    source: string,
  ): Promise<number> {
    const byDay = new Map<number, DailyUsdRate[]>();
    for (const rate of rates) {
      const list = byDay.get(rate.day);
      if (list) list.push(rate);
      else byDay.set(rate.day, [rate]);
    }
    const days = [...byDay.keys()];
    let changed = 0;
    for (let start = 0; start < days.length; start += EXCHANGE_RATE_DAYS_PER_WRITE) {
      const chunk = days.slice(start, start + EXCHANGE_RATE_DAYS_PER_WRITE);
      const stored = new Map(
        (
          await this.exchangeRates
            .find({ _id: { $in: chunk.map((day) => exchangeRateDayId(provider, day as EpochDay)) } })
            .toArray()
        ).map((doc) => [doc.day, doc]),
      );
      const inserts: ExchangeRateDayDocument[] = [];
      const updates: AnyBulkWriteOperation<ExchangeRateDayDocument>[] = [];
      for (const day of chunk) {
        const before = stored.get(day);
        const set: Record<string, string> = {};
        const doc: ExchangeRateDayDocument = {
          _id: exchangeRateDayId(provider, day as EpochDay),
          provider,
          day,
          rates: { ...before?.rates },
          sources: { ...before?.sources },
          sourceNames: [],
        };
        for (const rate of byDay.get(day) ?? []) {
          if (before?.rates[rate.currency] === rate.usdPerUnit && before.sources[rate.currency] === source) continue;
          set[`rates.${rate.currency}`] = doc.rates[rate.currency] = rate.usdPerUnit;
          set[`sources.${rate.currency}`] = doc.sources[rate.currency] = source;
          changed += 1;
        }
        doc.sourceNames = [...new Set(Object.values(doc.sources))].sort();
        // A new day is inserted whole: on FerretDB an upsert scans for its filter, and 1,800 of them took
        // a minute; inserts take seconds.
        if (!before) inserts.push(doc);
        else if (Object.keys(set).length > 0) {
          updates.push({
            updateOne: { filter: { _id: doc._id }, update: { $set: { ...set, sourceNames: doc.sourceNames } } },
          });
        }
      }
      if (inserts.length > 0) {
        try {
          await this.exchangeRates.insertMany(inserts, { ordered: false });
        } catch (error) {
          // Another process inserted some of these days meanwhile (the same table): theirs stand.
          if (!onlyDuplicateKeys(error)) throw error;
        }
      }
      if (updates.length > 0) await this.exchangeRates.bulkWrite(updates, { ordered: false });
    }
    return changed;
  }

  /** Per currency, from every day document of the provider (a few thousand at most; callers cache it). */
  async exchangeRateCoverage(provider: ExchangeRateProviderName): Promise<CurrencyCoverage[]> {
    const coverage = new Map<string, { firstDay: number; lastDay: number; days: number }>();
    const cursor = this.exchangeRates.find({ provider }, { projection: { day: 1, rates: 1 } });
    for await (const doc of cursor) {
      for (const currency of Object.keys(doc.rates)) {
        const seen = coverage.get(currency);
        if (!seen) coverage.set(currency, { firstDay: doc.day, lastDay: doc.day, days: 1 });
        else {
          seen.firstDay = Math.min(seen.firstDay, doc.day);
          seen.lastDay = Math.max(seen.lastDay, doc.day);
          seen.days += 1;
        }
      }
    }
    return [...coverage]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, c]) => ({
        currency,
        firstDay: c.firstDay as EpochDay,
        lastDay: c.lastDay as EpochDay,
        days: c.days,
      }));
  }

  async hasExchangeRatesFrom(provider: ExchangeRateProviderName, source: string): Promise<boolean> {
    return (await this.exchangeRates.findOne({ provider, sourceNames: source }, { projection: { _id: 1 } })) !== null;
  }

  /**
   * Renews the holder's lease, or takes one that expired or whose holder the caller replaces, in one
   * update. When someone else's lease is still running, the filter matches nothing and the upsert's
   * insert collides on `_id`: the answer is no.
   */
  async acquireReplicationLease(
    replicaId: string,
    holder: string,
    ttlMs: number,
    now: Date,
    replacing?: string,
  ): Promise<boolean> {
    const holders = replacing === undefined ? [holder] : [holder, replacing];
    try {
      const result = await this.leases.updateOne(
        { _id: replicaId, $or: [{ holder: { $in: holders } }, { expiresAt: { $lte: now } }] },
        { $set: { holder, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      );
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async replicationLeaseHolder(replicaId: string): Promise<string | undefined> {
    return (await this.leases.findOne({ _id: replicaId }))?.holder;
  }

  async releaseReplicationLease(replicaId: string, holder: string): Promise<void> {
    await this.leases.deleteOne({ _id: replicaId, holder });
  }

  async checkAvailable(): Promise<void> {
    await this.client.db('admin').command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * The claim this attempt writes under, or the outcome when an earlier attempt decides it. Single-request
   * and chunked batches share the keys; an unfinished claim is completed only by the same kind of request.
   */
  private async claimKey(
    mine: IdempotencyKeyDocument,
  ): Promise<{ claim: IdempotencyKeyDocument } | RecordBatchOutcome> {
    try {
      await this.keys.insertOne(mine);
      return { claim: mine };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const earlier = await this.keys.findOne({ _id: mine._id });
    // Claims are never deleted, so the one that collided is still there.
    if (!earlier) throw new Error(`The claim on idempotency key ${JSON.stringify(mine._id)} vanished`);
    const stored = await this.batches.findOne({ _id: earlier.batchId });
    if (earlier.requestHash !== mine.requestHash) {
      return { kind: 'conflict', batch: stored ? toBatch(stored) : unfinishedBatchOf(earlier) };
    }
    if (stored) return { kind: 'existing', batch: toBatch(stored) };
    if (Boolean(earlier.chunked) !== Boolean(mine.chunked))
      return { kind: 'conflict', batch: unfinishedBatchOf(earlier) };
    return { claim: earlier };
  }

  private async writePrices(batchId: string, prices: readonly PriceRecord[]): Promise<void> {
    const chunks: PriceRecord[][] = [];
    for (let start = 0; start < prices.length; start += this.priceChunkSize) {
      chunks.push(prices.slice(start, start + this.priceChunkSize));
    }
    let nextChunk = 0;
    const worker = async (): Promise<void> => {
      for (let chunk = chunks[nextChunk++]; chunk; chunk = chunks[nextChunk++]) {
        try {
          await this.prices.insertMany(
            chunk.map((p) => toPriceDocument(batchId, p)),
            { ordered: false },
          );
        } catch (error) {
          if (!onlyDuplicateKeys(error)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.priceWriteConcurrency, chunks.length) }, worker));
  }

  /** Each slug's region and every region below it (empty for an unknown slug); cycles stop the walk. */
  private async regionTrees(slugs: readonly string[]): Promise<Set<string>[]> {
    // Regions are few (tens to hundreds): one read of all of them beats $graphLookup, which FerretDB lacks.
    const all = await this.regions.find({}, { projection: { _id: 1, parentSlug: 1 } }).toArray();
    const children = new Map<string, string[]>();
    for (const doc of all) {
      if (doc.parentSlug === null) continue;
      children.set(doc.parentSlug, [...(children.get(doc.parentSlug) ?? []), doc._id]);
    }
    const exists = new Set(all.map((doc) => doc._id));
    return slugs.map((slug) => {
      const tree = new Set<string>();
      const queue = exists.has(slug) ? [slug] : [];
      for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
        if (tree.has(current)) continue;
        tree.add(current);
        queue.push(...(children.get(current) ?? []));
      }
      return tree;
    });
  }
}

async function createCollectionsAndIndexes(db: Db): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const [name, indexes] of Object.entries(INDEXES)) {
    if (!existing.has(name)) {
      try {
        await db.createCollection(name);
      } catch (error) {
        // Another process created it between our listing and now.
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      }
    }
    // Only the missing ones, one per command: FerretDB 1.24 panics on a createIndexes of several indexes
    // that all exist already, and MongoDB accepts an existing identical index either way.
    const present = new Set(existing.has(name) ? (await db.collection(name).indexes()).map((i) => i.name) : []);
    for (const index of indexes) {
      if (!present.has(index.name ?? '')) await db.collection(name).createIndexes([index]);
    }
  }
}
