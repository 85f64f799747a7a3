import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { PortResolver, RegionResolver } from './resolvers/location-resolvers';
import { LaneStatsResolver, RateSeriesResolver } from './resolvers/analysis-resolver';
import { RatesResolver } from './resolvers/rates-resolver';

export function buildRatelineSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [RatesResolver, RateSeriesResolver, LaneStatsResolver, PortResolver, RegionResolver],
    validate: false,
  });
}

/** The SDL as committed in schema/schema.graphql (declaration order, so arguments read as in the brief). */
export function printRatelineSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
