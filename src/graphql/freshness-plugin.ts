import type { ApolloServerPlugin } from '@apollo/server';
import { ANSWER_CACHE_CONTROL, dataAsOf, DATA_AS_OF_HEADER } from '../answer-cache';
import type { RequestContext } from './context';

/**
 * Says when the data of an answer read from analytics was complete (`extensions.dataAsOf` and the
 * `Rateline-Data-As-Of` header), and lets HTTP caches keep a query asked with GET (a persisted query,
 * see docs/architecture.md "Hot reads") as long as they revalidate it: Express answers a matching
 * `If-None-Match` with 304.
 */
export function freshnessPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ request, response, contextValue }) => {
          if (request.http?.method === 'GET') response.http.headers.set('cache-control', ANSWER_CACHE_CONTROL);
          const asOf = dataAsOf(contextValue.budget)?.toISOString();
          if (asOf !== undefined) {
            response.http.headers.set(DATA_AS_OF_HEADER.toLowerCase(), asOf);
            if (response.body.kind === 'single') {
              const result = response.body.singleResult;
              result.extensions = { ...result.extensions, dataAsOf: asOf };
            }
          }
          return Promise.resolve();
        },
      }),
  };
}
