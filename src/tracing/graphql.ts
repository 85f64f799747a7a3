import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { withSpan } from './spans';

/** Apollo's request headers as the W3C propagator reads them (`traceparent`, `tracestate`). */
type Headers = Map<string, string>;
const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key.toLowerCase()),
};

/** Operation names become span names: only a plain GraphQL name of reasonable length. */
const spanNameOf = (type: string, name: string | null | undefined): string =>
  name && name.length <= 64 && /^[_A-Za-z][_0-9A-Za-z]*$/.test(name) ? `${type} ${name}` : type;

export interface GraphqlTracing {
  /** One server span per operation, named `query rates`-style, child of the caller's `traceparent` if any. */
  readonly plugin: ApolloServerPlugin<BaseContext>;
  /**
   * Makes each root field's resolver a span (`Query.rates`) under its operation's span, with the
   * resolver running inside it, so the service and store calls it makes are its children.
   */
  traceRootResolvers(schema: GraphQLSchema): void;
}

export function graphqlTracing(tracer: Tracer): GraphqlTracing {
  // Apollo runs the resolvers outside its plugin hooks' async context: the operation's context is
  // found again through the request's context object, which both see.
  const operations = new WeakMap<object, Context>();
  const plugin: ApolloServerPlugin<BaseContext> = {
    requestDidStart({ request, contextValue }) {
      const parent = request.http
        ? propagation.extract(ROOT_CONTEXT, request.http.headers, headerGetter)
        : ROOT_CONTEXT;
      const span = tracer.startSpan('graphql', { kind: SpanKind.SERVER }, parent);
      operations.set(contextValue, trace.setSpan(parent, span));
      return Promise.resolve({
        didResolveOperation({ operation, operationName }) {
          if (!operation) return Promise.resolve();
          span.updateName(spanNameOf(operation.operation, operationName));
          span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
          return Promise.resolve();
        },
        didEncounterErrors({ errors }) {
          const codes = errors.map((error) => {
            const code = error.extensions?.code;
            return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
          });
          span.setAttribute('graphql.error.codes', [...new Set(codes)]);
          span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]?.message });
          return Promise.resolve();
        },
        willSendResponse() {
          span.end();
          return Promise.resolve();
        },
      });
    },
  };
  return {
    plugin,
    traceRootResolvers(schema) {
      for (const type of [schema.getQueryType(), schema.getMutationType()]) {
        for (const field of Object.values(type?.getFields() ?? {})) {
          const resolve = field.resolve ?? defaultFieldResolver;
          const name = `${type!.name}.${field.name}`;
          field.resolve = (source, args, contextValue: unknown, info) => {
            const parent =
              (typeof contextValue === 'object' && contextValue !== null && operations.get(contextValue)) ||
              context.active();
            if (!trace.getSpan(parent)) return resolve(source, args, contextValue, info);
            return withSpan(tracer, { name, parent }, () => resolve(source, args, contextValue, info));
          };
        }
      }
    },
  };
}
