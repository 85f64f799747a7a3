import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, validate, type GraphQLSchema, type ValidationRule } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { RequestContext } from './context';

/**
 * Rejects an operation before it runs when it nests deeper than `maxDepth` or costs more than
 * `maxComplexity`. Cost: 1 per field, and a list field multiplies what it selects
 * (see LIST_COMPLEXITY), so nesting lists inside lists is what gets expensive.
 */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: { readonly maxQueryDepth: number; readonly maxQueryComplexity: number },
): ApolloServerPlugin<RequestContext> {
  // The package's typings return `any`; it is a validation rule.
  const depthRule = depthLimit(limits.maxQueryDepth) as ValidationRule;
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ document, request, operationName }) => {
          const [tooDeep] = validate(schema, document, [depthRule]);
          if (tooDeep) throw tooComplex(`${tooDeep.message} (MAX_QUERY_DEPTH)`, limits.maxQueryDepth);
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Variables that do not coerce: execution reports that, field by field, before resolving anything.
            if (error instanceof GraphQLError) return Promise.resolve();
            throw error;
          }
          if (complexity > limits.maxQueryComplexity) {
            throw tooComplex(
              `The operation costs ${complexity}, over the limit of ${limits.maxQueryComplexity} (MAX_QUERY_COMPLEXITY); select fewer nested lists`,
              limits.maxQueryComplexity,
            );
          }
          return Promise.resolve();
        },
      }),
  };
}

function tooComplex(message: string, limit: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', limit, http: { status: 400 } } });
}
