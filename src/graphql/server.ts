import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Limits } from '../config';
import type { Logger } from '../logging/logger';
import type { RequestContext } from './context';
import { createErrorFormatter } from './errors';
import { queryLimitsPlugin } from './limits';
import { observabilityPlugin } from './observability-plugin';

/** The Apollo server with Rateline's error contract and query limits; transports add their own plugins. */
export function createGraphqlServer(options: {
  readonly schema: GraphQLSchema;
  readonly limits: Limits;
  readonly log: Logger;
  readonly plugins?: readonly ApolloServerPlugin<RequestContext>[];
}): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.limits.introspection,
    // A backstop: HTTP and WebSocket check the document with checkQueryDocument before it gets here.
    parseOptions: { maxTokens: options.limits.maxQueryTokens },
    formatError: createErrorFormatter(options.log),
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints responses by default; compact JSON is smaller and cheaper to produce.
    stringifyResult: (result) => JSON.stringify(result),
    // Rateline's own handler (app/process.ts) drains in order on SIGTERM; Apollo's would stop the
    // server and re-send the signal, which the process would take for a second one (exit 1 at once).
    stopOnTerminationSignals: false,
    plugins: [
      // Rateline sets no cache hints; the default cache-control plugin would still hook every field.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads from a CDN; http/web-pages.ts serves GraphiQL from Rateline instead.
      ApolloServerPluginLandingPageDisabled(),
      observabilityPlugin(),
      queryLimitsPlugin(options.schema, options.limits),
      ...(options.plugins ?? []),
    ],
  });
}
