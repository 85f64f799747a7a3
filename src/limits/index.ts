/**
 * Rate and concurrency limits per caller (an API key, or a client address for callers without one):
 * requests of the data routes, WebSocket connections and subscriptions. Rates are shared through Redis
 * when REDIS_URL is set; counts of what is open right now are per process.
 */
import type { RateLimitsConfig } from '../config';
import type { Logger } from '../logging/logger';
import { connectRedis } from '../redis';
import { RateLimit } from './rate';
import type { LimitEvents } from './rate-limited';
import { RequestLimits } from './request-limits';
import { WebSocketLimits } from './websocket-limits';

export { callerOf } from './caller';
export { RateLimitedError, type LimitEvents } from './rate-limited';
export { RequestLimits } from './request-limits';
export { WebSocketConnection, WebSocketLimits } from './websocket-limits';

export interface Limits {
  readonly requests: RequestLimits;
  readonly webSocket: WebSocketLimits;
  /** Closes the Redis connection, if any. */
  close(): void;
}

export async function openLimits(config: RateLimitsConfig, log: Logger, events: LimitEvents): Promise<Limits> {
  const redis = config.redisUrl
    ? await connectRedis(config.redisUrl, {
        log: log.child({ component: 'rate-limits' }),
        commandTimeoutMs: 1_000,
        whileDown: 'rate limits are counted in this process alone',
        onceBack: 'rate limits are shared again',
        availability: (available) => events.sharedCounts(available),
      })
    : undefined;
  const rate = new RateLimit({ perSecond: config.perSecond, burst: config.burst }, events, redis?.client);
  return {
    requests: new RequestLimits(rate, config.concurrentRequests, events),
    webSocket: new WebSocketLimits(rate, config.webSocket, events),
    close: () => redis?.disconnect(),
  };
}
