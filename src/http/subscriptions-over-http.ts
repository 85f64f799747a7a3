import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { RequestContext } from '../graphql';

const MESSAGE = 'Subscriptions are served over graphql-ws (a WebSocket at /graphql), not over HTTP';

/**
 * Refuses a subscription sent as an HTTP request with 400 BAD_REQUEST (Apollo would otherwise run its
 * fields once, as if a query, and answer 200 or a fault); logged as the client's mistake, a warning.
 */
export function refuseSubscriptionsOverHttp(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation, contextValue, operationName }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
          contextValue.log.warn(
            { code: 'BAD_REQUEST', status: 400, operationName },
            `client error while answering HTTP: ${MESSAGE}`,
          );
          throw new GraphQLError(MESSAGE, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
        },
      });
    },
  };
}
