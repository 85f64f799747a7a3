import {
  MongoClient,
  type Db,
  type IndexDescription,
  type MongoClientOptions,
  type WriteConcern,
  type WriteConcernSettings,
} from 'mongodb';
import pino from 'pino';
import type { Logger } from '../../../logging/logger';
import type { OperationalStore } from '../ports';
import { BatchWrites } from './batch-writes';
import { MongoBatchWork } from './batch-work';
import { MongoBatches } from './batches';
import { MongoChangeFeed, type MongoChangeFeedEvents } from './change-feed';
import { MongoChunkedBatches } from './chunked-batches';
import { COLLECTIONS, collectionsOf } from './documents';
import { isNamespaceExists } from './errors';
import { MongoExchangeRates } from './exchange-rates';
import { MongoPriceRetention } from './price-retention';
import { MongoReferenceData } from './reference-data';
import { MongoReplicaRegistry } from './replica-registry';
import { MongoReplicationLeases } from './replication-leases';

export { isMongoUnavailable } from './errors';
export type { MongoChangeFeedEvents } from './change-feed';
export type { FeedRestartReason } from './change-events';

export interface MongoStoreOptions {
  readonly uri: string;
  readonly database: string;
  /** Where the change feed warns (a restart from a snapshot, a batch document deleted by hand); silent when absent. */
  readonly log?: Logger;
  /** Told of every restart of a follower from a snapshot, with its reason (the root counts them). */
  readonly feedEvents?: MongoChangeFeedEvents;
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

/** Indexes beyond `_id`; the shard keys are applied by the deployment (docs/operational-store-mongodb.md). */
const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.regions]: [{ key: { parentSlug: 1 }, name: 'by_parent' }],
  [COLLECTIONS.ports]: [{ key: { regionSlug: 1 }, name: 'by_region' }],
  [COLLECTIONS.batches]: [
    { key: { createdAt: -1, _id: -1 }, name: 'newest_first' },
    { key: { owner: 1, createdAt: -1, _id: -1 }, name: 'owner_newest_first' },
    { key: { countedAt: 1, committedAt: 1 }, name: 'commit_not_yet_counted' },
    { key: { status: 1, retractionAppliedAt: 1, retractedAt: 1 }, name: 'retraction_not_yet_applied' },
    // Workers' claim (COMMITTED, or PROCESSING with a lapsed lease, oldest first) and the expiry of
    // OPEN batches. Status first instead of partial indexes, which FerretDB 1.24 lacks.
    { key: { status: 1, createdAt: 1 }, name: 'work_queue' },
    { key: { status: 1, openUntil: 1 }, name: 'open_until' },
    // Retention's candidates (ACCEPTED, prices not all gone, oldest counted first), and "pruned ever?".
    { key: { status: 1, prunedAt: 1, countedAt: 1 }, name: 'retention_candidates' },
    { key: { pruningSince: 1 }, name: 'pruning_since' },
  ],
  [COLLECTIONS.prices]: [],
  [COLLECTIONS.batchChunks]: [],
  [COLLECTIONS.idempotencyKeys]: [],
  [COLLECTIONS.replicationLeases]: [],
  [COLLECTIONS.exchangeRates]: [{ key: { provider: 1, sourceNames: 1 }, name: 'by_source' }],
  [COLLECTIONS.referenceRevision]: [],
  [COLLECTIONS.replicas]: [],
  [COLLECTIONS.replicaAcks]: [
    { key: { batchId: 1 }, name: 'by_batch' },
    { key: { replicaId: 1 }, name: 'by_replica' },
  ],
};

/**
 * The operational store on MongoDB, built for a sharded cluster: no multi-document transactions (see
 * docs/operational-store-mongodb.md). Connects, creates the collections and indexes that are missing
 * (safe to run from every process), and composes one object per port. The caller applies the
 * availability guard, classifying failures with {@link isMongoUnavailable}.
 */
export async function openMongoOperationalStore(options: MongoStoreOptions): Promise<OperationalStore> {
  const client = new MongoClient(options.uri, options.clientOptions);
  await client.connect();
  try {
    const db = client.db(options.database, { writeConcern: durableWriteConcern(client.writeConcern) });
    await createCollectionsAndIndexes(db);
    const collections = collectionsOf(db);
    const writes = new BatchWrites(collections, {
      priceChunkSize: options.priceChunkSize ?? 10_000,
      priceWriteConcurrency: options.priceWriteConcurrency ?? 4,
    });
    return {
      referenceData: new MongoReferenceData(collections),
      batches: new MongoBatches(collections, writes),
      chunkedBatches: new MongoChunkedBatches(collections, writes),
      batchWork: new MongoBatchWork(collections, writes),
      exchangeRates: new MongoExchangeRates(collections.exchangeRates),
      replicationLeases: new MongoReplicationLeases(collections.replicationLeases),
      replicas: new MongoReplicaRegistry(collections),
      retention: new MongoPriceRetention(collections),
      changeFeed: new MongoChangeFeed(
        client,
        db,
        {
          awaitMs: options.changeStreamAwaitMs ?? 500,
          snapshotPageSize: Math.max(2, options.snapshotPageSize ?? 1000),
        },
        options.log ?? pino({ level: 'silent' }),
        options.feedEvents ?? { restartRequired: () => undefined },
      ),
      async checkAvailable() {
        await client.db('admin').command({ ping: 1 });
      },
      close: () => client.close(),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Acknowledged means durable: on a majority of the replica set's members, in their journals. Only how
 * long to wait for that comes from the connection string (`wtimeoutMS`): without it a write to a shard
 * that lost its majority waits until the shard recovers instead of failing as unavailable.
 */
export function durableWriteConcern(fromUri: WriteConcern | undefined): WriteConcernSettings {
  const wtimeoutMS = fromUri?.wtimeoutMS;
  return { w: 'majority', journal: true, ...(wtimeoutMS ? { wtimeoutMS } : {}) };
}

async function createCollectionsAndIndexes(db: Db): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const [name, indexes] of Object.entries(INDEXES)) {
    if (!existing.has(name)) {
      try {
        await db.createCollection(name);
      } catch (error) {
        // Another process created it between our listing and now.
        if (!isNamespaceExists(error)) throw error;
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
