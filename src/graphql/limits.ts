import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isInputType,
  isListType,
  typeFromAST,
  validate,
  visit,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
  type VariableDefinitionNode,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import {
  fieldExtensionsEstimator,
  getComplexity,
  simpleEstimator,
  type ComplexityEstimator,
} from 'graphql-query-complexity';
import type { Limits } from '../config';
import { daysInRange, parseDay } from '../domain/day';
import { RatelineError } from '../domain/errors';
import type { RequestContext } from './context';

/**
 * The limits of docs/operations.md ("Query limits"), in the order they cost: the document's bytes and
 * tokens before it is parsed (checkQueryDocument), then, once Apollo parsed and validated it, depth,
 * aliases, root fields, fragments and the priced cost (queryLimitsPlugin), all before any resolver runs.
 */

/** The cost of a list field: what it selects, times the ten items a list is assumed to hold, plus one. */
export const LIST_COMPLEXITY = ({ childComplexity }: { childComplexity: number }): number => 1 + 10 * childComplexity;

/** Answering `__schema` walks every type of the schema; `__type` one type. */
const SCHEMA_INTROSPECTION_COST = 1_000;
const TYPE_INTROSPECTION_COST = 100;

const introspectionEstimator: ComplexityEstimator = ({ field, childComplexity }) => {
  if (field.name === '__schema') return SCHEMA_INTROSPECTION_COST + childComplexity;
  if (field.name === '__type') return TYPE_INTROSPECTION_COST + childComplexity;
  return undefined;
};

/** What an analytical field costs per month of its range before the multipliers below. */
const COST_PER_MONTH = 10;

/**
 * The cost of an analytical root field (rates, ratesWithScope, rateSeries, laneStats): 10 per month of
 * dateFrom..dateTo (the scan grows with the range) times `weight` (quantiles cost more than sums),
 * doubled with `excludeOutliers` (a second pass for the fences), tripled with `fallback: PARENT_REGIONS`
 * (up to three widened scopes are asked), plus what it selects, a list of days priced as any list.
 * A range that does not parse costs one month: the service refuses it before touching a store.
 */
export function laneQueryComplexity(
  weight: number,
  returnsList: boolean,
): (options: { args: Record<string, unknown>; childComplexity: number }) => number {
  return ({ args, childComplexity }) => {
    const from = typeof args.dateFrom === 'string' ? parseDay(args.dateFrom) : undefined;
    const to = typeof args.dateTo === 'string' ? parseDay(args.dateTo) : undefined;
    const days = from !== undefined && to !== undefined && from <= to ? daysInRange(from, to) : 1;
    const months = Math.ceil(days / 30);
    const outliers = args.excludeOutliers === true ? 2 : 1;
    const fallback = args.fallback === 'PARENT_REGIONS' ? 3 : 1;
    const selection = returnsList ? LIST_COMPLEXITY({ childComplexity }) : childComplexity;
    return COST_PER_MONTH * months * weight * outliers * fallback + selection;
  };
}

type DocumentLimits = Pick<Limits, 'maxQueryBytes' | 'maxQueryTokens'>;

/**
 * Refuses a document over MAX_QUERY_BYTES or MAX_QUERY_TOKENS before anything parses it: parsing
 * is linear but unbounded documents made it take half a minute. Tokens are counted the way the parser
 * counts them (comments excluded); a syntax error is left for the parser to report with its location.
 */
export function checkQueryDocument(query: string, limits: DocumentLimits): void {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxQueryBytes) {
    throw new RatelineError(
      'QUERY_TOO_LARGE',
      `The query document has ${bytes} bytes, over the limit of ${limits.maxQueryBytes} (MAX_QUERY_BYTES); ` +
        'send large inputs as variables',
    );
  }
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++tokens > limits.maxQueryTokens) {
        throw new RatelineError(
          'QUERY_TOO_LARGE',
          `The query document has more than ${limits.maxQueryTokens} tokens (MAX_QUERY_TOKENS); ` +
            'send large inputs as variables',
        );
      }
    }
  } catch (error) {
    if (error instanceof RatelineError) throw error;
    // A syntax error: the parser reports it, with its location, as GRAPHQL_PARSE_FAILED.
  }
}

/** Why an operation is refused, or null when it is within the limits. */
type Verdict = { readonly message: string; readonly limit: number } | null;

type OperationLimits = Pick<
  Limits,
  'maxQueryDepth' | 'maxQueryComplexity' | 'maxQueryAliases' | 'maxQueryRootFields' | 'maxQueryFragments'
>;

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

function countAliasesAndFragments(document: DocumentNode): { aliases: number; fragments: number } {
  let aliases = 0;
  let fragments = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
    FragmentDefinition() {
      fragments++;
    },
  });
  return { aliases, fragments };
}

/** The fields selected at the operation's root, through its fragments (each fragment once). */
function countRootFields(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  const count = (selectionSet: SelectionSetNode): number =>
    selectionSet.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FIELD) return sum + 1;
      if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet);
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) return sum;
      seen.add(name);
      return sum + count(fragment.selectionSet);
    }, 0);
  return count(operation.selectionSet);
}

/** The first limit the operation breaks, by counting its document (no schema needed). */
function countedVerdict(document: DocumentNode, operation: OperationDefinitionNode, limits: OperationLimits): Verdict {
  const { aliases, fragments } = countAliasesAndFragments(document);
  if (aliases > limits.maxQueryAliases) {
    return {
      message: `The document uses ${aliases} aliases, over the limit of ${limits.maxQueryAliases} (MAX_QUERY_ALIASES)`,
      limit: limits.maxQueryAliases,
    };
  }
  if (fragments > limits.maxQueryFragments) {
    return {
      message: `The document defines ${fragments} fragments, over the limit of ${limits.maxQueryFragments} (MAX_QUERY_FRAGMENTS)`,
      limit: limits.maxQueryFragments,
    };
  }
  const rootFields = countRootFields(document, operation);
  if (rootFields > limits.maxQueryRootFields) {
    return {
      message: `The operation selects ${rootFields} root fields, over the limit of ${limits.maxQueryRootFields} (MAX_QUERY_ROOT_FIELDS)`,
      limit: limits.maxQueryRootFields,
    };
  }
  return null;
}

/** The operation's cost (README, "Query limits"); throws a GraphQLError when it expands to over `maxNodes` fields. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  maxNodes: number,
): number {
  return getComplexity({
    schema,
    query: document,
    operationName,
    variables,
    maxQueryNodes: maxNodes,
    estimators: [introspectionEstimator, fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
}

/**
 * A variable's value as the cost walk needs it: every list of input objects in it (a batch's items)
 * empty. No cost depends on such a list's contents (a write's size is bounded by MAX_BATCH_ITEMS and
 * the body's), and coercing 50,000 items costs about 150 ms, which the walk and the check before it
 * would otherwise each spend on top of execution's own coercion. A field that came to be priced by
 * such a list would have to change this.
 */
function withoutInputObjectLists(value: unknown, type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return Array.isArray(value) && value.length > 0 && isInputObjectType(getNamedType(nullable)) ? [] : value;
  }
  if (!isInputObjectType(nullable) || typeof value !== 'object' || value === null || Array.isArray(value)) {
    return value;
  }
  const fields = value as Record<string, unknown>;
  let lighter: Record<string, unknown> | undefined;
  for (const [name, field] of Object.entries(nullable.getFields())) {
    if (!Object.hasOwn(fields, name)) continue;
    const fieldValue = withoutInputObjectLists(fields[name], field.type);
    if (fieldValue !== fields[name]) (lighter ??= { ...fields })[name] = fieldValue;
  }
  return lighter ?? value;
}

function costVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  variables: Record<string, unknown>,
): Record<string, unknown> {
  let lighter: Record<string, unknown> | undefined;
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type) || !Object.hasOwn(variables, name)) continue;
    const value = withoutInputObjectLists(variables[name], type);
    if (value !== variables[name]) (lighter ??= { ...variables })[name] = value;
  }
  return lighter ?? variables;
}

/**
 * Judges operations against the limits: a verdict, or undefined when the variables do not coerce
 * (execution then reports that, field by field, before resolving anything; items of a list of input
 * objects are only coerced there, see {@link withoutInputObjectLists}).
 */
export function operationJudge(
  schema: GraphQLSchema,
  limits: OperationLimits,
): (
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
) => Verdict | undefined {
  // The package's typings return `any`; it is a validation rule.
  const depthRule = depthLimit(limits.maxQueryDepth) as ValidationRule;
  return (document, operationName, variables) => {
    const operation = getOperationAST(document, operationName);
    if (!operation) return undefined;
    const counted = countedVerdict(document, operation, limits);
    if (counted) return counted;
    const definitions = operation.variableDefinitions ?? [];
    const costed = costVariables(schema, definitions, variables);
    if (getVariableValues(schema, definitions, costed).errors) return undefined;
    let complexity: number;
    try {
      complexity = operationCost(schema, document, operationName, costed, limits.maxQueryComplexity);
    } catch (error) {
      // With variables that coerce, what is left is the walk giving up: more fields than it may count.
      if (!(error instanceof GraphQLError)) throw error;
      return {
        message: `The operation expands to more than ${limits.maxQueryComplexity} fields (MAX_QUERY_COMPLEXITY); use fewer fragment spreads`,
        limit: limits.maxQueryComplexity,
      };
    }
    if (complexity <= limits.maxQueryComplexity) {
      // Last: graphql-depth-limit walks every fragment spread anew, which only a bounded expansion keeps cheap.
      const [tooDeep] = validate(schema, document, [depthRule]);
      return tooDeep ? { message: `${tooDeep.message} (MAX_QUERY_DEPTH)`, limit: limits.maxQueryDepth } : null;
    }
    return {
      message: `The operation costs ${complexity}, over the limit of ${limits.maxQueryComplexity} (MAX_QUERY_COMPLEXITY); select fewer nested lists, shorter ranges or fewer analytical fields`,
      limit: limits.maxQueryComplexity,
    };
  };
}

export const queryTooComplex = (verdict: NonNullable<Verdict>): GraphQLError =>
  new GraphQLError(verdict.message, {
    extensions: { code: 'QUERY_TOO_COMPLEX', limit: verdict.limit, http: { status: 400 } },
  });

/**
 * Rejects an operation over the limits before it runs. Apollo hands the same DocumentNode to every
 * request with the same query text, so the verdict is kept per document and operation: walking the
 * document twice per request was a tenth of a small rates request's time. Documents whose cost depends
 * on variables are checked every time.
 */
export function queryLimitsPlugin(schema: GraphQLSchema, limits: OperationLimits): ApolloServerPlugin<RequestContext> {
  const judge = operationJudge(schema, limits);
  const verdicts = new WeakMap<
    DocumentNode,
    { readonly cacheable: boolean; readonly byOperation: Map<string, Verdict> }
  >();
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
          if (verdict) throw queryTooComplex(verdict);
          return Promise.resolve();
        },
      }),
  };
}
