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
import { ANONYMOUS, presentedConnectionApiKey, type ApiKeyAuthenticator, type Principal } from '../auth';
import type { Limits } from '../config';
import { RatelineError } from '../domain/errors';
import type { RatelineServices } from '../services';
import type { Logger } from '../logging/logger';
import { createRequestContext } from './context';
import { createErrorFormatter } from './errors';
import { checkQueryDocument, operationJudge, queryTooComplex } from './limits';

export interface GraphqlWebSocketDependencies {
  readonly httpServer: http.Server;
  readonly schema: GraphQLSchema;
  readonly services: RatelineServices;
  readonly authenticator: ApiKeyAuthenticator;
  readonly limits: Limits;
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
 * presentedConnectionApiKey); a wrong key, or none once keys are configured, closes the socket (4403).
 * Subscriptions are held to the query limits HTTP applies. Queries and mutations are refused here:
 * they go over HTTP, where the request-size limit also applies.
 */
export function serveGraphqlOverWebSocket(deps: GraphqlWebSocketDependencies): GraphqlWebSocket {
  const server = new WebSocketServer({ server: deps.httpServer, path: '/graphql' });
  const format = createErrorFormatter(deps.log);
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => format(error.toJSON(), error));
  const judge = operationJudge(deps.schema, deps.limits);
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema: deps.schema,
      onConnect: (ctx) => {
        try {
          const principal = deps.authenticator.authenticate(
            presentedConnectionApiKey(ctx.connectionParams ?? {}, ctx.extra.request.headers),
          );
          ctx.extra.principal = principal;
          return principal !== ANONYMOUS;
        } catch {
          return false;
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        let document;
        try {
          checkQueryDocument(payload.query, deps.limits);
          document = parse(payload.query, { maxTokens: deps.limits.maxQueryTokens });
        } catch (error) {
          if (error instanceof RatelineError) {
            return [new GraphQLError(error.message, { extensions: { code: error.code } })];
          }
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
          const verdict = judge(document, payload.operationName ?? undefined, payload.variables ?? {});
          return verdict ? [queryTooComplex(verdict)] : undefined;
        }
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
