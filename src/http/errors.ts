import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { RatelineError, StoreUnavailableError, type ErrorCode } from '../domain/errors';
import { requestLog } from '../observability/request-id';

const STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 409,
  RATE_LIMITED: 429,
  ANALYTICS_UNAVAILABLE: 503,
  OPERATIONAL_STORE_UNAVAILABLE: 503,
  EXCHANGE_RATES_UNAVAILABLE: 503,
};

/** Seconds a client is asked to wait before retrying a request that met an unavailable store. */
const RETRY_AFTER_SECONDS = '5';

interface BodyParserError {
  readonly type: string;
  readonly limit?: number;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string';

function asRatelineError(error: unknown): RatelineError | undefined {
  if (error instanceof RatelineError) return error;
  if (!isBodyParserError(error)) return undefined;
  if (error.type === 'entity.too.large') {
    return new RatelineError(
      'PAYLOAD_TOO_LARGE',
      `The request body exceeds the limit of ${error.limit} bytes (MAX_REQUEST_BODY_BYTES)`,
    );
  }
  if (error.type === 'entity.parse.failed')
    return new RatelineError('BAD_USER_INPUT', 'The request body is not valid JSON');
  return undefined;
}

/**
 * Last handler of the HTTP app. Client errors answer 4xx with their details, as
 * `{"error": {code, message, field, value}}` on REST routes and as a GraphQL `errors` list on
 * /graphql; anything else is logged and answers 500 without internals.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = asRatelineError(error);
    const requestLogger = requestLog(res, log);
    if (!known) requestLogger.error({ err: error, url: req.originalUrl }, 'unexpected error while answering HTTP');
    if (known instanceof StoreUnavailableError) {
      requestLogger.warn(
        { err: known.cause, store: known.store, operation: known.operation, url: req.originalUrl },
        `${known.store} store unavailable while answering HTTP`,
      );
      res.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    }
    const status = known ? (STATUS[known.code] ?? 400) : 500;
    const body = known
      ? { code: known.code, message: known.message, field: known.field, value: known.value }
      : { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' };
    if (req.path === '/graphql') {
      const { message, ...extensions } = body;
      res.status(status).json({ errors: [{ message, extensions }] });
    } else {
      res.status(status).json({ error: body });
    }
  };
}
