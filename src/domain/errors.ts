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
  | 'IDEMPOTENCY_KEY_REUSED';

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
