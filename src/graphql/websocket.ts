import type http from 'node:http';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { presentedConnectionApiKey, type ApiKeyAuthenticator, type Principal } from '../auth';
import type { RatelineServices } from '../services';
import type { Logger } from '../logging/logger';
import { createRequestContext } from './context';
import { createErrorFormatter } from './errors';

export interface GraphqlWebSocketDependencies {
  readonly httpServer: http.Server;
  readonly schema: GraphQLSchema;
  readonly services: RatelineServices;
  readonly authenticator: ApiKeyAuthenticator;
  readonly log: Logger;
}

export interface GraphqlWebSocket {
  /** Completes every subscription and closes every socket (part of a graceful shutdown). */
  close(): Promise<void>;
}

interface ConnectionState extends Record<PropertyKey, unknown> {
  principal?: Principal;
}

/**
 * Subscriptions over the graphql-ws protocol on the same port and path as HTTP (`/graphql`). The API
 * key comes from the connection's init payload, else from the upgrade request's headers (see
 * presentedConnectionApiKey); a wrong key closes the socket (4403). Queries and mutations are refused
 * here: they go over HTTP, where the query limits and the request-size limit apply.
 */
export function serveGraphqlOverWebSocket(deps: GraphqlWebSocketDependencies): GraphqlWebSocket {
  const server = new WebSocketServer({ server: deps.httpServer, path: '/graphql' });
  const format = createErrorFormatter(deps.log);
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => format(error.toJSON(), error));
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema: deps.schema,
      onConnect: (ctx) => {
        try {
          ctx.extra.principal = deps.authenticator.authenticate(
            presentedConnectionApiKey(ctx.connectionParams ?? {}, ctx.extra.request.headers),
          );
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        let operation;
        try {
          operation = getOperationAST(parse(payload.query), payload.operationName);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        if (operation?.operation === OperationTypeNode.SUBSCRIPTION) return undefined;
        return [
          new GraphQLError(
            'Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql',
            {
              extensions: { code: 'BAD_REQUEST' },
            },
          ),
        ];
      },
      // Errors sent by onSubscribe and by execution both pass here, so every error has the HTTP shape.
      context: (ctx, id) =>
        createRequestContext(deps.services, ctx.extra.principal as Principal, deps.log.child({ subscriptionId: id })),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatAll(result.errors) } : result,
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
    server,
  );
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
