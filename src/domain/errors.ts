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
  /** A query document over MAX_QUERY_BYTES or MAX_QUERY_TOKENS, refused before it is parsed. */
  | 'QUERY_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_CURRENCY'
  | 'RATE_UNAVAILABLE'
  | 'EXCHANGE_RATES_UNAVAILABLE'
  | 'IDEMPOTENCY_KEY_REUSED'
  /** A chunked-batch operation on a batch that is no longer open (or, for a retraction, not settled). */
  | 'BATCH_NOT_OPEN'
  | 'BATCH_NOT_SETTLED'
  /** A restore of a retracted batch whose prices retention has removed from the operational store. */
  | 'BATCH_PRICES_PRUNED'
  /** A chunk index sent again with different content. */
  | 'CHUNK_CONFLICT'
  /** A commit while chunks are missing from the numbering. */
  | 'BATCH_INCOMPLETE'
  /** HTTP-level client errors: a request the transport cannot take (bad framing, a subscription over HTTP). */
  | 'BAD_REQUEST'
  /** A route that exists but does not take this method (the `Allow` header lists those it takes). */
  | 'METHOD_NOT_ALLOWED'
  /** A request body in a charset or content encoding the service does not read. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** A caller over one of its rate, concurrency, connection or subscription limits (HTTP 429). */
  | 'RATE_LIMITED'
  /** The write path is busier than a write may wait for a turn (WRITE_QUEUE_TIMEOUT_MS): HTTP 503, retry later. */
  | 'SERVICE_SATURATED'
  | 'ANALYTICS_UNAVAILABLE'
  | 'OPERATIONAL_STORE_UNAVAILABLE'
  /** The request's time budget (QUERY_TIMEOUT_MS) ran out before its answer was ready; its queries were stopped. */
  | 'QUERY_TIMEOUT'
  /** The client closed the request before its answer was ready: only ever logged, there is nobody to tell. */
  | 'CLIENT_CLOSED_REQUEST';

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

/** Longest echoed value and message an error carries: a 1 MB argument must not come back as a 2 MB error. */
const MAX_ECHOED_CHARS = 200;
const MAX_MESSAGE_CHARS = 1_000;

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;

/** An error's value as it is echoed to the client: a long string is cut, saying how long it was. */
export const echoedValue = (value: unknown): unknown =>
  typeof value === 'string' ? clip(value, MAX_ECHOED_CHARS) : value;

/** An error's message as it reaches the client (messages may quote what the client sent). */
export const clientMessage = (message: string): string => clip(message, MAX_MESSAGE_CHARS);

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
