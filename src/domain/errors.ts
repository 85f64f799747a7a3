/**
 * The error codes clients can rely on (`extensions.code` in GraphQL, `error.code` in REST).
 * The brief fixes these names; add new ones here so every transport maps them the same way.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNKNOWN_LOCATION'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'QUERY_TOO_COMPLEX'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_CURRENCY'
  | 'RATE_UNAVAILABLE'
  | 'EXCHANGE_RATES_UNAVAILABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  /** A chunked-batch operation on a batch that is no longer open (or, for a retraction, not settled). */
  | 'BATCH_NOT_OPEN'
  | 'BATCH_NOT_SETTLED'
  /** A chunk index sent again with different content. */
  | 'CHUNK_CONFLICT'
  /** A commit while chunks are missing from the numbering. */
  | 'BATCH_INCOMPLETE'
  /** A caller over one of its rate, concurrency, connection or subscription limits (HTTP 429). */
  | 'RATE_LIMITED'
  | 'ANALYTICS_UNAVAILABLE'
  | 'OPERATIONAL_STORE_UNAVAILABLE';

/** An error caused by the request, safe to show to the client as it is. */
export class RatelineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The argument or input field at fault, named as the client spelled it. */
    readonly field?: string,
    /** The offending value, echoed back so the client sees what the server received. */
    readonly value?: unknown,
    /** More facts for the client, e.g. every invalid item of a rejected batch. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'RatelineError';
  }
}

export function badUserInput(field: string, value: unknown, message: string): RatelineError {
  return new RatelineError('BAD_USER_INPUT', message, field, value);
}

/** The two stores behind the API, as operators and metrics name them. */
export type StoreName = 'operational' | 'analytics';

const UNAVAILABLE: Readonly<Record<StoreName, { code: ErrorCode; message: string }>> = {
  analytics: {
    code: 'ANALYTICS_UNAVAILABLE',
    message: 'Analytics are unavailable right now (the analytics store does not answer); retry later',
  },
  operational: {
    code: 'OPERATIONAL_STORE_UNAVAILABLE',
    message: 'The operational store is unavailable right now; nothing was written by this call: retry it later',
  },
};

/**
 * A store could not be reached (connection refused, timed out, no server to select). Not the client's
 * fault, but safe to tell it: it says which capability is down and that a retry may succeed (HTTP 503).
 * The driver's error stays in `cause` for the logs.
 */
export class StoreUnavailableError extends RatelineError {
  constructor(
    readonly store: StoreName,
    readonly operation: string,
    cause: unknown,
  ) {
    super(UNAVAILABLE[store].code, UNAVAILABLE[store].message);
    this.name = 'StoreUnavailableError';
    this.cause = cause;
  }
}
