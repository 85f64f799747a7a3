import type { RateLimit } from './rate';
import { RateLimitedError, type LimitEvents } from './rate-limited';
import { Slots } from './slots';

/** Requests of the data routes: each counts against its caller's rate, and at most N run at once per caller. */
export class RequestLimits {
  private readonly inFlight: Slots;

  constructor(
    private readonly rate: RateLimit,
    maxConcurrent: number,
    private readonly events: Pick<LimitEvents, 'refused'>,
  ) {
    this.inFlight = new Slots(maxConcurrent);
  }

  /** Admits one request of `caller`, answering its release (call it once the response ends); else RateLimitedError. */
  async admit(caller: string): Promise<() => void> {
    if (!this.inFlight.take(caller)) {
      this.events.refused('RATE_LIMIT_CONCURRENT_REQUESTS');
      throw new RateLimitedError(
        `Too many concurrent requests for this caller: at most ${this.inFlight.max} at once (RATE_LIMIT_CONCURRENT_REQUESTS)`,
        'RATE_LIMIT_CONCURRENT_REQUESTS',
        1,
      );
    }
    try {
      await this.rate.consume(caller);
    } catch (error) {
      this.inFlight.give(caller);
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight.give(caller);
    };
  }
}
