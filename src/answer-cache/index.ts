/**
 * The answer cache (hot reads): analytical answers kept per data version of the analytics replica, in
 * this process (LRU, CACHE_MAX_MB) and shared through Redis (REDIS_URL), never stale. See
 * docs/architecture.md, "Hot reads".
 */
import type { AnswerCacheConfig } from '../config';
import type { Logger } from '../logging/logger';
import { connectRedis, type RedisConnection } from '../redis';
import type { AnalyticsStore } from '../stores/analytics';
import { AnswerCache, type AnswerCacheEvents } from './answer-cache';
import { MemoryAnswerStore, RedisAnswerStore, TieredAnswerStore, type SharedStoreEvents } from './answer-store';
import { cachedPriceStatistics, cachedPriceTotals } from './cached-queries';
import { InProcessReplicaVersion, ReplicaStateVersion, type DataVersionSource } from './data-version';

export {
  ANSWER_CACHE_CONTROL,
  currentDataAsOf,
  DATA_AS_OF_HEADER,
  freshnessHeaders,
  withProvenance,
} from './provenance';
export type { AnswerOutcome } from './answer-cache';

/** How long a shared answer is kept: far longer than a version lives while prices arrive. */
const SHARED_TTL_SECONDS = 24 * 60 * 60;
/** A cache that takes longer than this to answer is slower than the engine for many questions. */
const REDIS_COMMAND_TIMEOUT_MS = 100;

export interface AnswerCacheMetrics extends AnswerCacheEvents, SharedStoreEvents {
  /** 1 while answers are shared through Redis, 0 while it does not answer. */
  sharedStoreUp(up: boolean): void;
}

export interface AnswerCaching {
  /** The store with its reads cached and, when written in this process, its replica's writes counted. */
  readonly analytics: AnalyticsStore;
  close(): void;
}

/**
 * Puts the cache in front of `analytics` (unless ANSWER_CACHE=off). `writtenInProcess`: only this
 * process writes the replica (chDB), so its writes are counted here; else (a ClickHouse server) the
 * replica's own batch-state version is read on every question.
 */
export async function cacheAnswers(
  analytics: AnalyticsStore,
  options: {
    readonly config: AnswerCacheConfig;
    readonly writtenInProcess: boolean;
    readonly log: Logger;
    readonly metrics: AnswerCacheMetrics;
  },
): Promise<AnswerCaching> {
  const { config, log, metrics } = options;
  if (!config.enabled) return { analytics, close: () => undefined };
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
  let redis: RedisConnection | undefined;
  if (config.redisUrl) {
    redis = await connectRedis(config.redisUrl, {
      log: log.child({ component: 'answer-cache' }),
      commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
      whileDown: 'answers are cached in this process alone',
      onceBack: 'answers are shared again',
      availability: (up) => metrics.sharedStoreUp(up),
    });
  }
  const store = redis
    ? new TieredAnswerStore(near, new RedisAnswerStore(redis.client, SHARED_TTL_SECONDS, metrics))
    : near;
  const cache = new AnswerCache(store, version, 'rateline:answers:1:', metrics);
  return {
    analytics: {
      totals: cachedPriceTotals(analytics.totals, cache),
      statistics: cachedPriceStatistics(analytics.statistics, cache),
      replica,
      checkAvailable: () => analytics.checkAvailable(),
      saturation: () => analytics.saturation(),
      close: () => analytics.close(),
    },
    close: () => redis?.disconnect(),
  };
}
