import { buildSchema, execute, parse, type DocumentNode, type GraphQLResolveInfo } from 'graphql';
import { selectsAnyOf } from '../../../src/graphql/selection';

/** A list field whose resolver says whether the query selects `low` or `high` on its items, as `rates` asks. */
const schema = buildSchema(`
  type Day { day: String, low: Float, high: Float, spread: Boolean }
  type Query { days: [Day!]! }
`);

async function spreadSelected(document: DocumentNode, variableValues?: Record<string, unknown>): Promise<boolean> {
  let selected: boolean | undefined;
  const rootValue = {
    days: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
      selected = selectsAnyOf(info, [], ['low', 'high']);
      return [];
    },
  };
  const result = await execute({ schema, document, rootValue, variableValues });
  expect(result.errors).toBeUndefined();
  if (selected === undefined) throw new Error('days was not resolved');
  return selected;
}

describe('selectsAnyOf', () => {
  it('finds the names through fragments, and answers the same when the document is executed again', async () => {
    const withSpread = parse('{ days { day ...Ends } } fragment Ends on Day { ... on Day { high } }');
    const without = parse('{ days { day } }');
    expect(await spreadSelected(withSpread)).toBe(true);
    expect(await spreadSelected(without)).toBe(false);
    expect(await spreadSelected(withSpread)).toBe(true);
    expect(await spreadSelected(without)).toBe(false);
  });

  it('follows the variables when a field is merged from nodes that @include keeps or drops', async () => {
    const document = parse('query($ends: Boolean!) { days { day } days @include(if: $ends) { low } }');
    expect(await spreadSelected(document, { ends: false })).toBe(false);
    expect(await spreadSelected(document, { ends: true })).toBe(true);
    expect(await spreadSelected(document, { ends: false })).toBe(false);
  });
});
