/**
 * The answer cache (hot reads): analytical answers kept per data version of the analytics replica, in
 * this process (LRU, CACHE_MAX_MB) and shared through Redis (REDIS_URL), never stale. See
 * docs/architecture.md, "Hot reads".
 */
import type { Redis } from 'ioredis';
import type { AnswerCacheConfig } from '../config';
import type { AnalyticsStore } from '../stores/analytics';
import { AnswerCache, type AnswerCacheEvents } from './answer-cache';
import { MemoryAnswerStore, RedisAnswerStore, TieredAnswerStore, type SharedStoreEvents } from './answer-store';
import { cachedPriceStatistics, cachedPriceTotals } from './cached-queries';
import { InProcessReplicaVersion, ReplicaStateVersion, type DataVersionSource } from './data-version';

export { ANSWER_CACHE_CONTROL, dataAsOf, DATA_AS_OF_HEADER, freshnessHeaders } from './provenance';
export type { AnswerOutcome } from './answer-cache';

/** How long a shared answer is kept: far longer than a version lives while prices arrive. */
const SHARED_TTL_SECONDS = 24 * 60 * 60;

export type AnswerCacheMetrics = AnswerCacheEvents & SharedStoreEvents;

/**
 * `analytics` with its reads through the cache (unless ANSWER_CACHE=off) and, when written in this
 * process, its replica's writes counted. `writtenInProcess`: only this process writes the replica
 * (chDB), so its writes are counted here; else (a ClickHouse server) the replica's own batch-state
 * version is read on every question. `redis`: the process's connection (src/redis), through which
 * answers are shared.
 */
export async function cacheAnswers(
  analytics: AnalyticsStore,
  options: {
    readonly config: AnswerCacheConfig;
    readonly writtenInProcess: boolean;
    readonly redis: Redis | undefined;
    readonly metrics: AnswerCacheMetrics;
  },
): Promise<AnalyticsStore> {
  const { config, redis, metrics } = options;
  if (!config.enabled) return analytics;
  let replica = analytics.replica;
  let version: DataVersionSource;
  if (options.writtenInProcess) {
    const inProcess = await InProcessReplicaVersion.of(analytics.replica);
    replica = inProcess.track(analytics.replica);
    version = inProcess;
  } else {
    version = new ReplicaStateVersion(analytics.replica);
  }
  const near = new MemoryAnswerStore(config.maxBytes);
  const store = redis ? new TieredAnswerStore(near, new RedisAnswerStore(redis, SHARED_TTL_SECONDS, metrics)) : near;
  const cache = new AnswerCache(store, version, 'rateline:answers:1:', metrics);
  return {
    totals: cachedPriceTotals(analytics.totals, cache),
    statistics: cachedPriceStatistics(analytics.statistics, cache),
    replica,
    // Run by the export and import commands, which answer no query.
    snapshots: analytics.snapshots,
    checkAvailable: () => analytics.checkAvailable(),
    saturation: () => analytics.saturation(),
    close: () => analytics.close(),
  };
}
