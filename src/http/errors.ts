import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { clientMessage, echoedValue, RatelineError, StoreUnavailableError, type ErrorCode } from '../domain/errors';
import { requestLog } from '../observability/request-id';

const STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  QUERY_TOO_LARGE: 413,
  IDEMPOTENCY_KEY_REUSED: 409,
  RATE_LIMITED: 429,
  SERVICE_SATURATED: 503,
  ANALYTICS_UNAVAILABLE: 503,
  OPERATIONAL_STORE_UNAVAILABLE: 503,
  EXCHANGE_RATES_UNAVAILABLE: 503,
  QUERY_TIMEOUT: 504,
  // nginx's "client closed request": only ever in the logs, the client is gone.
  CLIENT_CLOSED_REQUEST: 499,
};

/** Seconds a client is asked to wait before retrying a request that met an unavailable store. */
const RETRY_AFTER_SECONDS = '5';

/** What body-parser (express.json) throws: a `type`, and the 4xx status it means. */
interface BodyParserError {
  readonly type: string;
  readonly status?: number;
  readonly limit?: number;
  readonly charset?: string;
  readonly encoding?: string;
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
  if (error.type === 'charset.unsupported') {
    return new RatelineError(
      'UNSUPPORTED_MEDIA_TYPE',
      'The request body must be JSON in UTF-8',
      'content-type',
      error.charset,
    );
  }
  if (error.type === 'encoding.unsupported') {
    return new RatelineError(
      'UNSUPPORTED_MEDIA_TYPE',
      'The request body may be sent plain or with Content-Encoding gzip, deflate or br',
      'content-encoding',
      error.encoding,
    );
  }
  // Aborted or mis-sized bodies and the like: the request itself is malformed.
  if (error.status !== undefined && error.status >= 400 && error.status < 500) {
    return new RatelineError('BAD_REQUEST', 'The request body could not be read');
  }
  return undefined;
}

/** A refusal that says when to retry (a limit, a saturated write path) carries the seconds in its details. */
function retryAfterSecondsOf(error: RatelineError): number | undefined {
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds : undefined;
}

/**
 * Last handler of the HTTP app. Client errors answer 4xx with their details, as
 * `{"error": {code, message, field, value}}` on REST routes and as a GraphQL `errors` list on
 * /graphql, and are logged as a warning without a stack (the client's mistake is not a fault); anything
 * else is logged in full and answers 500 without internals.
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
    const retryAfter = known && retryAfterSecondsOf(known);
    if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
    const status = known ? (STATUS[known.code] ?? 400) : 500;
    if (known && status < 500) {
      requestLogger.warn(
        { code: known.code, status, method: req.method, url: req.originalUrl },
        `client error while answering HTTP: ${known.message}`,
      );
    }
    const body = known
      ? { code: known.code, message: clientMessage(known.message), field: known.field, value: echoedValue(known.value) }
      : { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' };
    if (req.path === '/graphql') {
      const { message, ...extensions } = body;
      res.status(status).json({ errors: [{ message, extensions }] });
    } else {
      res.status(status).json({ error: body });
    }
  };
}
