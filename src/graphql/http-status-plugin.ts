import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorCode } from '../domain/errors';
import type { RequestContext } from './context';

/** The HTTP status of a GraphQL answer that carries an error of this code, as the REST routes answer it. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  RATE_LIMITED: 429,
  SERVICE_SATURATED: 503,
  QUERY_TIMEOUT: 504,
};

/**
 * GraphQL answers 200 whatever its errors, except for these: a request that ran out of its time budget
 * is 504, even where some fields did finish (the request as a whole did not), and a write refused a
 * turn is 429 or 503 with `Retry-After`, so that a load balancer, a proxy or a client's retry logic can
 * tell them from a success without reading the body.
 */
export function httpStatusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ response }) => {
          if (response.body.kind !== 'single') return Promise.resolve();
          for (const error of response.body.singleResult.errors ?? []) {
            const status = STATUS[error.extensions?.code as ErrorCode];
            if (status === undefined) continue;
            response.http.status = status;
            const retryAfter = error.extensions?.retryAfterSeconds;
            if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
            break;
          }
          return Promise.resolve();
        },
      }),
  };
}
