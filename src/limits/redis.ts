import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';
import type { LimitEvents } from './rate-limited';

/** How long a start waits for Redis before it counts in memory (and keeps reconnecting). */
const CONNECT_WAIT_MS = 2_000;

export interface RedisConnection {
  readonly client: Redis;
  /** Closes at once (no count is lost by not waiting) and stops reconnecting. */
  disconnect(): void;
}

/**
 * A Redis connection for the shared limits. Commands fail at once while it is down (no offline queue,
 * short timeouts), so a request never waits for Redis: the limiter counts it in memory instead. Losing
 * and regaining Redis is logged once each, not once per request or per reconnect attempt.
 */
export async function connectRedis(
  url: string,
  log: Logger,
  events: Pick<LimitEvents, 'sharedCounts'>,
): Promise<RedisConnection> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  let closing = false;
  const lost = (reason: string) => {
    if (down || closing) return;
    down = true;
    events.sharedCounts(false);
    log.warn(
      { redis: redactedUrl(url), reason },
      'Redis does not answer: rate limits are counted in this process alone until it does',
    );
  };
  redis.on('error', (error: Error) => lost(error.message));
  redis.on('close', () => lost('connection closed'));
  redis.on('ready', () => {
    events.sharedCounts(true);
    if (!down) return;
    down = false;
    log.info({ redis: redactedUrl(url) }, 'Redis answers again: rate limits are shared again');
  });
  const wait = new AbortController();
  await Promise.race([once(redis, 'ready'), sleep(CONNECT_WAIT_MS, undefined, { signal: wait.signal })]).catch(
    () => undefined,
  );
  wait.abort();
  return {
    client: redis,
    disconnect: () => {
      closing = true;
      redis.disconnect();
    },
  };
}

const redactedUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');
