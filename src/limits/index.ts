/**
 * Rate and concurrency limits per caller (an API key, or a client address for callers without one):
 * requests of the data routes, WebSocket connections and subscriptions. Rates are shared through Redis
 * when REDIS_URL is set; counts of what is open right now are per process.
 */
import type { RateLimitsConfig } from '../config';
import type { Redis } from 'ioredis';
import { RateLimit } from './rate';
import type { LimitEvents } from './rate-limited';
import { RequestLimits } from './request-limits';
import { WebSocketLimits } from './websocket-limits';

export { callerOf } from './caller';
export { RateLimitedError, type LimitEvents } from './rate-limited';
export { RequestLimits } from './request-limits';
export { WebSocketConnection, WebSocketLimits } from './websocket-limits';
export { WriteTurns, type EndTurn, type WriteTurnEvents } from './write-turns';

export interface Limits {
  readonly requests: RequestLimits;
  readonly webSocket: WebSocketLimits;
}

/** `redis`: the process's connection (src/redis), through which rates are shared; without one they are counted here. */
export function openLimits(config: RateLimitsConfig, events: LimitEvents, redis: Redis | undefined): Limits {
  const rate = new RateLimit({ perSecond: config.perSecond, burst: config.burst }, events, redis);
  return {
    requests: new RequestLimits(rate, config.concurrentRequests, events),
    webSocket: new WebSocketLimits(rate, config.webSocket, events),
  };
}
