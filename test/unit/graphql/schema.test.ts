import fs from 'node:fs';
import path from 'node:path';
import { isObjectType } from 'graphql';
import { buildRatelineSchema, printRatelineSchema } from '../../../src/graphql';
import { projectRoot } from '../../../src/paths/project-root';

describe('the GraphQL schema', () => {
  it('is what schema/schema.graphql says (run `npm run schema:emit` after changing it)', async () => {
    const committed = fs.readFileSync(path.join(projectRoot(), 'schema', 'schema.graphql'), 'utf8');
    expect(printRatelineSchema(await buildRatelineSchema())).toBe(committed);
  });

  it('keeps the names and types of the contract in the brief', async () => {
    const schema = await buildRatelineSchema();
    const fieldsOf = (type: string) => {
      const t = schema.getType(type);
      if (!isObjectType(t)) throw new Error(`no object type ${type}`);
      return Object.fromEntries(Object.values(t.getFields()).map((f) => [f.name, String(f.type)]));
    };
    expect(fieldsOf('Query')).toMatchObject({
      rates: '[DailyRate!]!',
      port: 'Port',
      ports: '[Port!]!',
      region: 'Region',
      regions: '[Region!]!',
    });
    expect(fieldsOf('DailyRate')).toEqual({
      day: 'Date!',
      averagePrice: 'Float',
      priceCount: 'Int!',
      ...{ low: 'Float', p25: 'Float', median: 'Float', p75: 'Float', high: 'Float' },
    });
    expect(fieldsOf('Port')).toEqual({ code: 'String!', name: 'String!', region: 'Region!' });
    expect(fieldsOf('Region')).toEqual({
      slug: 'String!',
      name: 'String!',
      parent: 'Region',
      children: '[Region!]!',
      ports: '[Port!]!',
    });
    const rates = schema.getQueryType()!.getFields().rates!;
    expect(
      rates.args.map(
        (a) =>
          `${a.name}: ${String(a.type)}${a.defaultValue === undefined ? '' : ` = ${JSON.stringify(a.defaultValue)}`}`,
      ),
    ).toEqual([
      'origin: String!',
      'destination: String!',
      'dateFrom: Date!',
      'dateTo: Date!',
      // Issue 17: optional, null counts every price.
      'containerTypes: [String!]',
      'contractTerm: ContractTerm',
      'minPrices: Int = 3',
      // Issue 5: optional, so every query of the brief's contract means what it meant.
      'currency: String',
    ]);
    const query = schema.getQueryType()!.getFields();
    expect(String(query.currencies?.type)).toBe('[Currency!]!');
    expect(String(query.exchangeRate?.type)).toBe('Float!');
    expect(query.exchangeRate?.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual([
      'currency: String!',
      'day: Date!',
    ]);
  });

  it('offers the analyst queries beside rates, with their arguments and defaults', async () => {
    const schema = await buildRatelineSchema();
    const fields = schema.getQueryType()!.getFields();
    const signature = (name: string) =>
      fields[name]!.args.map(
        (a) =>
          `${a.name}: ${String(a.type)}${a.defaultValue === undefined ? '' : ` = ${JSON.stringify(a.defaultValue)}`}`,
      );
    const common = [
      'origin: String!',
      'destination: String!',
      'dateFrom: Date!',
      'dateTo: Date!',
      'containerTypes: [String!]',
      'contractTerm: ContractTerm',
    ];
    expect(signature('rateSeries')).toEqual([
      ...common,
      'granularity: Granularity!',
      'excludeOutliers: Boolean = false',
    ]);
    expect(signature('laneStats')).toEqual([
      ...common,
      'orderBy: LaneStatsOrder = "VOLUME"',
      'first: Int = 10',
      'excludeOutliers: Boolean = false',
    ]);
    expect(signature('ratesWithScope')).toEqual([
      ...common,
      'minPrices: Int = 3',
      'fallback: RatesFallback = "NONE"',
      'excludeOutliers: Boolean = false',
    ]);
    const query = fields;
    expect(String(query.rateSeries!.type)).toBe('RateSeries!');
    expect(String(query.laneStats!.type)).toBe('[LaneStats!]!');
    expect(String(query.ratesWithScope!.type)).toBe('RatesResult!');
  });
});
