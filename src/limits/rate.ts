import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { RateLimitedError, type LimitEvents } from './rate-limited';

export interface RateSettings {
  /** Requests a caller may make each second, sustained. */
  readonly perSecond: number;
  /** Requests a caller may make beyond `perSecond` in each window of BURST_WINDOW_SECONDS. */
  readonly burst: number;
}

/** The window in which a caller may spend its burst. */
const BURST_WINDOW_SECONDS = 60;

/**
 * Requests per second per caller, plus a burst (rate-limiter-flexible's BurstyRateLimiter: the burst
 * is spent only once the second's points are). In memory, or in Redis when a client is given, so that
 * every replica counts against the same numbers. When Redis does not answer, each replica falls back
 * to the library's insurance limiter (the same limits, counted in memory per replica) rather than
 * failing open: a Redis outage must not lift the limits, and the API keeps answering.
 */
export class RateLimit {
  private readonly limiter: BurstyRateLimiter;

  constructor(
    private readonly settings: RateSettings,
    private readonly events: Pick<LimitEvents, 'refused'>,
    redis?: Redis,
  ) {
    this.limiter = new BurstyRateLimiter(
      limiter('rate', { points: settings.perSecond, duration: 1 }, redis),
      limiter('burst', { points: settings.burst, duration: BURST_WINDOW_SECONDS }, redis),
    );
  }

  /** Counts one call of `caller`; RateLimitedError once it is over its rate and burst. */
  async consume(caller: string): Promise<void> {
    try {
      await this.limiter.consume(caller);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const { perSecond, burst } = this.settings;
      this.events.refused('RATE_LIMIT_PER_SECOND');
      throw new RateLimitedError(
        `Too many requests for this caller: ${perSecond} a second (RATE_LIMIT_PER_SECOND) and ${burst} more a minute ` +
          '(RATE_LIMIT_BURST) are allowed; retry after Retry-After seconds',
        'RATE_LIMIT_PER_SECOND',
        Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
      );
    }
  }
}

function limiter(
  name: string,
  options: { readonly points: number; readonly duration: number },
  redis: Redis | undefined,
): RateLimiterAbstract {
  if (!redis) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: redis,
    keyPrefix: `rateline:limits:${name}`,
    // Not waiting for a reconnect: a call is counted in the insurance limiter at once.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}
