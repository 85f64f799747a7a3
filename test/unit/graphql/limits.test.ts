import { getIntrospectionQuery, parse, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../../../src/config';
import { buildRatelineSchema } from '../../../src/graphql';
import { checkQueryDocument, operationCost, operationJudge } from '../../../src/graphql/limits';

const limits = loadConfig({}).limits;
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildRatelineSchema();
});

const costOf = (query: string, variables: Record<string, unknown> = {}): number =>
  operationCost(schema, parse(query), undefined, variables, limits.maxQueryComplexity);
const verdictOf = (query: string, variables: Record<string, unknown> = {}) =>
  operationJudge(schema, limits)(parse(query), undefined, variables);

const RANGE = (from: string, to: string) =>
  `origin: "china_main", destination: "north_europe_main", dateFrom: "${from}", dateTo: "${to}"`;

describe('the cost of an operation', () => {
  it('prices an analytical field by the months of its range, its options and what it selects', () => {
    // 10 × 2 months + (1 + 10 × 2 fields per day).
    expect(costOf(`{ rates(${RANGE('2016-01-01', '2016-01-31')}) { day averagePrice } }`)).toBe(41);
    // The same from variables.
    expect(
      costOf(
        'query($from: Date!, $to: Date!) { rates(origin: "a", destination: "b", dateFrom: $from, dateTo: $to) { day } }',
        {
          from: '2016-01-01',
          to: '2016-01-31',
        },
      ),
    ).toBe(20 + 11);
    // 3,650 days are 122 months; ×2 outliers, ×3 fallback; days is a list of two fields: 21.
    expect(
      costOf(
        `{ ratesWithScope(${RANGE('2016-01-01', '2025-12-28')}, fallback: PARENT_REGIONS, excludeOutliers: true) { days { day averagePrice } } }`,
      ),
    ).toBe(7_341);
    // Quartiles weigh 2: 10 × 1 month × 2, plus granularity (1) and periods (1 + 10 × 1).
    expect(
      costOf(
        `{ rateSeries(${RANGE('2016-01-01', '2016-01-30')}, granularity: WEEK) { granularity periods { periodStart } } }`,
      ),
    ).toBe(20 + 1 + 11);
    // A range that does not parse costs one month: the service refuses it before any store is asked.
    expect(costOf(`{ rates(${RANGE('soon', '2016-01-31')}) { day } }`)).toBe(10 + 11);
  });

  it('prices introspection: __schema 1,000 and __type 100 plus what they select', () => {
    expect(costOf('{ __schema { queryType { name } } }')).toBe(1_000 + 2);
    expect(costOf('{ __type(name: "Port") { name } }')).toBe(100 + 1);
  });
});

describe('operationJudge', () => {
  it("lets the playground's own introspection query through", () => {
    expect(verdictOf(getIntrospectionQuery())).toBeNull();
  });

  it('refuses too many aliases, root fields or fragments, naming the setting', () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ');
    expect(verdictOf(`{ ${aliases} }`)?.message).toMatch(/101 aliases, over the limit of 100 \(MAX_QUERY_ALIASES\)/);
    const roots = Array.from({ length: 21 }, (_, i) => `r${i}: port(code: "P${i}") { code }`).join(' ');
    expect(verdictOf(`{ ${roots} }`)?.message).toMatch(
      /21 root fields, over the limit of 20 \(MAX_QUERY_ROOT_FIELDS\)/,
    );
    const fragments = Array.from({ length: 51 }, (_, i) => `fragment F${i} on Query { __typename }`).join('\n');
    const spreads = Array.from({ length: 51 }, (_, i) => `...F${i}`).join(' ');
    expect(verdictOf(`{ ${spreads} }\n${fragments}`)?.message).toMatch(
      /51 fragments, over the limit of 50 \(MAX_QUERY_FRAGMENTS\)/,
    );
  });

  it('refuses a document whose fragments expand past the node count, instead of giving no verdict', () => {
    const levels = Array.from(
      { length: 10 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} ...F${i + 1} }`,
    );
    const verdict = verdictOf(['{ ...F0 }', ...levels, 'fragment F10 on Query { __typename }'].join('\n'));
    expect(verdict?.message).toMatch(/expands to more than 10000 fields/);
  });

  it('gives no verdict when the variables do not coerce: execution reports them', () => {
    expect(verdictOf('query($code: String!) { port(code: $code) { code } }', { code: 42 })).toBeUndefined();
  });

  it('never reads the items of a batch: execution alone coerces them, while the other variables still count', () => {
    let reads = 0;
    const item = new Proxy(
      { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2016-01-04', price: 1000, currency: 'USD' },
      {
        get(target, key): unknown {
          reads += 1;
          return Reflect.get(target, key) as unknown;
        },
      },
    );
    const submit = `mutation($input: SubmitPriceBatchInput!, $skip: Boolean!) {
      submitPriceBatch(input: $input) { id errors @skip(if: $skip) { message } } }`;
    const input = { items: Array.from({ length: 1_000 }, () => item), idempotencyKey: 'k' };
    expect(verdictOf(submit, { input, skip: false })).toBeNull();
    expect(reads).toBe(0);
    expect(input.items).toHaveLength(1_000); // the request's own variables are left as they came
    // A bad item is left to execution too; a bad variable of another kind still gives no verdict.
    expect(verdictOf(submit, { input: { ...input, items: [{ price: 'no' }] }, skip: false })).toBeNull();
    expect(verdictOf(submit, { input, skip: 'no' })).toBeUndefined();
    expect(verdictOf(submit, { input: { ...input, idempotencyKey: 7 }, skip: false })).toBeUndefined();
    expect(reads).toBe(0);
  });
});

describe('checkQueryDocument', () => {
  const small = { maxQueryBytes: 100, maxQueryTokens: 5 };

  it('refuses a document over its bytes or tokens with QUERY_TOO_LARGE, naming the setting', () => {
    expect(() => checkQueryDocument(`{ ${'a '.repeat(60)}}`, small)).toThrow(/MAX_QUERY_BYTES/);
    expect(() => checkQueryDocument('{ a b c d e }', small)).toThrow(/more than 5 tokens \(MAX_QUERY_TOKENS\)/);
    expect(() => checkQueryDocument('{ a b c d e }', small)).toThrow(
      expect.objectContaining({ code: 'QUERY_TOO_LARGE' }),
    );
  });

  it('counts tokens as the parser does (comments are free) and leaves syntax errors to the parser', () => {
    expect(() => checkQueryDocument('# a b c d e f g\n{ a b }', small)).not.toThrow();
    expect(() => checkQueryDocument('{ a "unterminated', small)).not.toThrow();
  });
});
