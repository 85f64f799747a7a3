import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { StoreUnavailableError } from '../domain/errors';
import { recordGraphqlOperation } from '../observability/metrics';
import type { RequestContext } from './context';
import { isExpectedError } from './errors';

/**
 * Times every operation into `rateline_graphql_operation_duration_seconds` (by operation name from an
 * allow-list, type and outcome) and logs its errors through the request's logger, so each
 * line carries the request id: unexpected errors in full, an unreachable store as a warning.
 */
export function observabilityPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart() {
      const started = process.hrtime.bigint();
      let failed = false;
      return Promise.resolve({
        didEncounterErrors({ errors, contextValue, operationName }) {
          failed = true;
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof StoreUnavailableError) {
              contextValue.log.warn(
                { err: original.cause, store: original.store, operation: original.operation, operationName },
                `${original.store} store unavailable while answering GraphQL`,
              );
            } else if (!isExpectedError(error, error.extensions?.code)) {
              contextValue.log.error(
                { err: original, path: error.path, operationName },
                'unexpected error while answering GraphQL',
              );
            }
          }
          return Promise.resolve();
        },
        willSendResponse({ operationName, operation }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          recordGraphqlOperation(operationName, operation?.operation, failed ? 'error' : 'ok', seconds);
          return Promise.resolve();
        },
      });
    },
  };
}
