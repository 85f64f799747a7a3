import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { clientMessage, echoedValue, RatelineError } from '../domain/errors';

/** Codes Apollo gives to errors the client caused; their messages are safe to pass on. */
const CLIENT_ERROR_CODES = new Set<unknown>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'SERVICE_SATURATED',
]);

/**
 * A domain error raised outside a resolver (a plugin, the WebSocket transport), as a GraphQL error with
 * the extensions the formatter gives a resolver's: Apollo unwraps an error's cause only for resolvers.
 */
export const asGraphqlError = (error: RatelineError): GraphQLError =>
  new GraphQLError(error.message, {
    extensions: { code: error.code, field: error.field, value: echoedValue(error.value), ...error.details },
  });

/** An error the contract describes to the client (a domain error or one the client caused), not a fault. */
export function isExpectedError(error: unknown, code: unknown): boolean {
  return unwrapResolverError(error) instanceof RatelineError || CLIENT_ERROR_CODES.has(code);
}

/**
 * Turns every error into what the contract promises: a domain error carries its `code`, `field` and
 * `value`; an error the client caused keeps Apollo's code and message; anything else reaches the
 * client only as INTERNAL_SERVER_ERROR, so internals never leak. Errors are logged, with the request's
 * id, by the observability plugin; `log` here only catches what happens outside a request.
 */
export function createErrorFormatter(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof RatelineError) {
      return {
        message: clientMessage(original.message),
        ...(formatted.locations && { locations: formatted.locations }),
        ...(formatted.path && { path: formatted.path }),
        extensions: {
          code: original.code,
          field: original.field,
          value: echoedValue(original.value),
          ...original.details,
        },
      };
    }
    const code = formatted.extensions?.code;
    if (CLIENT_ERROR_CODES.has(code)) {
      const { stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, message: clientMessage(formatted.message), extensions };
    }
    log.debug({ err: original, path: formatted.path }, 'unexpected error while answering GraphQL');
    return {
      message: 'Internal server error',
      ...(formatted.path && { path: formatted.path }),
      extensions: { code: ApolloServerErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
