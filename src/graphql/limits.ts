import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import type { RequestContext } from './context';

/** The cost of a list field: what it selects, times the ten items a list is assumed to hold, plus one. */
export const LIST_COMPLEXITY = ({ childComplexity }: { childComplexity: number }): number => 1 + 10 * childComplexity;

/** Why an operation is refused, or null when it is within the limits. */
type Verdict = { readonly message: string; readonly limit: number } | null;

/** @skip(if: $x) / @include(if: $x) make the selected fields, and so the cost, depend on variables. */
function hasVariableDirectives(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.arguments?.some((arg) => arg.value.kind === Kind.VARIABLE)) found = true;
    },
  });
  return found;
}

/**
 * Rejects an operation before it runs when it nests deeper than `maxDepth` or costs more than
 * `maxComplexity`. Cost: 1 per field, and a list field multiplies what it selects (see
 * LIST_COMPLEXITY above), so nesting lists inside lists is what gets expensive.
 *
 * Apollo hands the same DocumentNode to every request with the same query text, so the verdict is kept
 * per document and operation: walking the document twice per request was a tenth of a small rates
 * request's time. Documents whose cost depends on variables are checked every time.
 */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: Pick<Limits, 'maxQueryDepth' | 'maxQueryComplexity'>,
): ApolloServerPlugin<RequestContext> {
  // The package's typings return `any`; it is a validation rule.
  const depthRule = depthLimit(limits.maxQueryDepth) as ValidationRule;
  const verdicts = new WeakMap<
    DocumentNode,
    { readonly cacheable: boolean; readonly byOperation: Map<string, Verdict> }
  >();

  /** The verdict, or undefined when variables that do not coerce leave the cost unknown. */
  function judge(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
  ): Verdict | undefined {
    const [tooDeep] = validate(schema, document, [depthRule]);
    if (tooDeep) return { message: `${tooDeep.message} (MAX_QUERY_DEPTH)`, limit: limits.maxQueryDepth };
    let complexity: number;
    try {
      complexity = getComplexity({
        schema,
        query: document,
        operationName,
        variables,
        estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (error) {
      // Variables that do not coerce: execution reports that, field by field, before resolving anything.
      if (error instanceof GraphQLError) return undefined;
      throw error;
    }
    if (complexity <= limits.maxQueryComplexity) return null;
    return {
      message: `The operation costs ${complexity}, over the limit of ${limits.maxQueryComplexity} (MAX_QUERY_COMPLEXITY); select fewer nested lists`,
      limit: limits.maxQueryComplexity,
    };
  }

  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ document, request, operationName }) => {
          let entry = verdicts.get(document);
          if (!entry) {
            entry = { cacheable: !hasVariableDirectives(document), byOperation: new Map() };
            verdicts.set(document, entry);
          }
          const key = operationName ?? '';
          let verdict = entry.byOperation.get(key);
          if (verdict === undefined) {
            verdict = judge(document, operationName ?? undefined, request.variables ?? {});
            if (verdict !== undefined && entry.cacheable) entry.byOperation.set(key, verdict);
          }
          if (verdict) {
            throw new GraphQLError(verdict.message, {
              extensions: { code: 'QUERY_TOO_COMPLEX', limit: verdict.limit, http: { status: 400 } },
            });
          }
          return Promise.resolve();
        },
      }),
  };
}
