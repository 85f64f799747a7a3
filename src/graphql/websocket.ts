import type http from 'node:http';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, presentedConnectionApiKey, type ApiKeyAuthenticator, type Principal } from '../auth';
import type { Limits } from '../config';
import { RatelineError } from '../domain/errors';
import { callerOf, RateLimitedError, type WebSocketConnection, type WebSocketLimits } from '../limits';
import type { RatelineServices } from '../services';
import type { Logger } from '../logging/logger';
import { createRequestContext } from './context';
import { asGraphqlError, createErrorFormatter } from './errors';
import { checkQueryDocument, operationJudge, queryTooComplex } from './limits';

export interface GraphqlWebSocketDependencies {
  readonly httpServer: http.Server;
  readonly schema: GraphQLSchema;
  readonly services: RatelineServices;
  readonly authenticator: ApiKeyAuthenticator;
  /** The query limits HTTP applies too. */
  readonly queryLimits: Limits;
  readonly limits: WebSocketLimits;
  readonly log: Logger;
}

export interface GraphqlWebSocket {
  /** Completes every subscription and closes every socket (part of a graceful shutdown). */
  close(): Promise<void>;
}

interface ConnectionState extends Record<PropertyKey, unknown> {
  principal?: Principal;
  /** What this connection holds against its caller's limits, given back when it closes. */
  connection?: WebSocketConnection;
}

/** The close code of a connection refused by WS_MAX_CONNECTIONS_PER_KEY (4000-4999: the application's). */
const TOO_MANY_CONNECTIONS = 4429;

/** A client's mistake in its operation: answered with Apollo's code, logged as a warning without a stack. */
const withCode = (error: GraphQLError, code: string): GraphQLError =>
  new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code },
  });

/**
 * Subscriptions over the graphql-ws protocol on the same port and path as HTTP (`/graphql`). The API
 * key comes from the connection's init payload, else from the upgrade request's headers (see
 * presentedConnectionApiKey); a wrong key, or none once keys are configured, closes the socket (4403),
 * one connection too many for the caller too (4429). Subscriptions are held to the query limits HTTP
 * applies, and over the caller's limits are refused with RATE_LIMITED. Queries and mutations are
 * refused here: they go over HTTP, where the request-size limit also applies.
 */
export function serveGraphqlOverWebSocket(deps: GraphqlWebSocketDependencies): GraphqlWebSocket {
  const server = new WebSocketServer({ server: deps.httpServer, path: '/graphql' });
  const format = createErrorFormatter(deps.log);
  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((error) => format(error.toJSON(), error));
  const judge = operationJudge(deps.schema, deps.queryLimits);

  /** A subscription the client got wrong: a warning with the messages (no stack), and the errors to answer. */
  const refuse = (id: string, errors: readonly GraphQLError[], why: string): GraphQLError[] => {
    deps.log.warn({ subscriptionId: id, errors: errors.map((error) => error.message) }, why);
    return [...errors];
  };

  const disposable = useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema: deps.schema,
      onConnect: (ctx) => {
        let principal: Principal;
        try {
          principal = deps.authenticator.authenticate(
            presentedConnectionApiKey(ctx.connectionParams ?? {}, ctx.extra.request.headers),
          );
        } catch {
          return false;
        }
        if (principal === ANONYMOUS) return false;
        try {
          ctx.extra.connection = deps.limits.connect(callerOf(principal, ctx.extra.request.socket.remoteAddress));
        } catch (error) {
          // Not logged, like HTTP's 429s: rateline_rate_limited_total counts refusals.
          if (!(error instanceof RateLimitedError)) throw error;
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS, 'Too many connections (WS_MAX_CONNECTIONS_PER_KEY)');
          return false;
        }
        ctx.extra.principal = principal;
        return true;
      },
      // Parses and validates here rather than in graphql-ws, so that a refusal carries its code.
      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        let document: DocumentNode;
        try {
          checkQueryDocument(payload.query, deps.queryLimits);
          document = parse(payload.query, { maxTokens: deps.queryLimits.maxQueryTokens });
        } catch (error) {
          if (error instanceof RatelineError) {
            const tooLarge = new GraphQLError(error.message, { extensions: { code: error.code } });
            return refuse(id, [tooLarge], 'refused a subscription document over the query limits');
          }
          if (!(error instanceof GraphQLError)) throw error;
          return refuse(id, [withCode(error, 'GRAPHQL_PARSE_FAILED')], 'refused a subscription that does not parse');
        }
        const invalid = validate(deps.schema, document);
        if (invalid.length > 0) {
          return refuse(
            id,
            invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')),
            'refused a subscription that does not validate',
          );
        }
        if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [
            new GraphQLError(
              'Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        const verdict = judge(document, payload.operationName ?? undefined, payload.variables ?? {});
        if (verdict) return refuse(id, [queryTooComplex(verdict)], 'refused a subscription over the query limits');
        try {
          // Set by onConnect: graphql-ws takes no subscription before it acknowledged the connection.
          await ctx.extra.connection!.subscribe(id);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          return [asGraphqlError(error)];
        }
        return {
          schema: deps.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      // Errors sent by onSubscribe and by execution both pass here, so every error has the HTTP shape.
      context: (ctx, id) =>
        createRequestContext(
          deps.services,
          ctx.extra.principal as Principal,
          callerOf(ctx.extra.principal as Principal, ctx.extra.request.socket.remoteAddress),
          deps.log.child({ subscriptionId: id }),
        ),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatAll(result.errors) } : result,
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      onComplete: (ctx, id) => ctx.extra.connection?.ended(id),
      onClose: (ctx) => ctx.extra.connection?.close(),
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
