import { GraphQLScalarType, Kind } from 'graphql';

/**
 * `Date`: a calendar day as YYYY-MM-DD. The scalar only requires a string; whether it is a real day
 * is checked by the service, which can then name the argument at fault (`dateFrom`, `dateTo`) in a
 * BAD_USER_INPUT error, exactly as the REST call does. A scalar cannot know its argument's name.
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day, YYYY-MM-DD (no time, no time zone).',
  serialize: (value) => {
    if (typeof value !== 'string') throw new TypeError('Date values are serialized from YYYY-MM-DD strings');
    return value;
  },
  parseValue: (value) => {
    if (typeof value !== 'string') throw new TypeError('a Date is given as a "YYYY-MM-DD" string');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('a Date is given as a "YYYY-MM-DD" string');
    return ast.value;
  },
});
