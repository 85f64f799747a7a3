import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger';

/** How long a start waits for Redis before it goes on without it (and keeps reconnecting). */
const CONNECT_WAIT_MS = 2_000;
/**
 * How long a command may take before it fails and its user goes on without Redis: a rate count is then
 * kept in memory, an answer computed here (a shared answer slower than this is slower than many queries).
 */
const COMMAND_TIMEOUT_MS = 200;

export interface RedisConnection {
  readonly client: Redis;
  /** Closes at once (nothing is lost by not waiting: Redis only shares, it never keeps) and stops reconnecting. */
  disconnect(): void;
}

/**
 * The process's one Redis connection, for what API replicas share (rate limits, answers). Commands fail at once while it is
 * down (no offline queue, short timeouts), so a request never waits for Redis: its user goes on
 * without it. Losing and regaining Redis is logged once each, not once per request or reconnect attempt.
 */
export async function connectRedis(
  url: string,
  log: Logger,
  /** Called with false when Redis stops answering and true when it answers (again). */
  availability: (available: boolean) => void,
): Promise<RedisConnection> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // A stream still closing after this is destroyed: closing means at once.
    disconnectTimeout: 200,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  let closing = false;
  const lost = (reason: string) => {
    if (down || closing) return;
    down = true;
    availability(false);
    log.warn(
      { redis: redactedUrl(url), reason },
      'Redis does not answer: rate limits are counted and answers cached in this process alone until it does',
    );
  };
  redis.on('error', (error: Error) => lost(error.message));
  redis.on('close', () => lost('connection closed'));
  redis.on('ready', () => {
    availability(true);
    if (!down) return;
    down = false;
    log.info({ redis: redactedUrl(url) }, 'Redis answers again: rate limits and answers are shared again');
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
