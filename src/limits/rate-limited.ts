import { RatelineError } from '../domain/errors';

/** What the limits report (the composition root turns these into metrics). */
export interface LimitEvents {
  /** A call was refused by `limit`, the setting's name (RATE_LIMIT_PER_SECOND, …). */
  refused(limit: string): void;
}

/** A caller over one of its limits: HTTP 429 with `Retry-After`, or a GraphQL error with code RATE_LIMITED. */
export class RateLimitedError extends RatelineError {
  constructor(
    message: string,
    /** The setting that refused the call, e.g. RATE_LIMIT_PER_SECOND. */
    readonly limit: string,
    /** When a retry may succeed, in whole seconds (at least 1). */
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message, undefined, undefined, { limit, retryAfterSeconds });
    this.name = 'RateLimitedError';
  }
}
