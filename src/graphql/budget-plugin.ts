import type { ApolloServerPlugin } from '@apollo/server';
import type { ErrorCode } from '../domain/errors';
import type { RequestContext } from './context';

const QUERY_TIMEOUT: ErrorCode = 'QUERY_TIMEOUT';

/**
 * A GraphQL answer whose request ran out of its time budget is HTTP 504, as the REST routes answer it:
 * the request as a whole did not finish in time, even where some fields did (a load balancer or a
 * client can tell it from a success without reading the body).
 */
export function budgetStatusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ response }) => {
          if (response.body.kind !== 'single') return Promise.resolve();
          const errors = response.body.singleResult.errors ?? [];
          if (errors.some((e) => e.extensions?.code === QUERY_TIMEOUT)) response.http.status = 504;
          return Promise.resolve();
        },
      }),
  };
}
