import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker } from 'type-graphql';
import { requireRole } from '../auth';
import type { Role } from '../config';
import type { RequestContext } from './context';
import { BatchResolver } from './resolvers/batch-resolvers';
import { CurrencyResolver } from './resolvers/currency-resolver';
import { PortResolver, RegionResolver } from './resolvers/location-resolvers';
import { LaneStatsResolver, RateSeriesResolver } from './resolvers/analysis-resolver';
import { RatesResolver } from './resolvers/rates-resolver';

/** `@Authorized(roles)` on a field: the caller needs one of the roles (UNAUTHENTICATED / FORBIDDEN otherwise). */
const authChecker: AuthChecker<RequestContext, Role> = ({ context, info }, roles) => {
  requireRole(context.principal, roles, `${info.parentType.name}.${info.fieldName}`);
  return true;
};

export function buildRatelineSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      RatesResolver,
      RateSeriesResolver,
      LaneStatsResolver,
      PortResolver,
      RegionResolver,
      BatchResolver,
      CurrencyResolver,
    ],
    authChecker,
    validate: false,
  });
}

/** The SDL as committed in schema/schema.graphql (declaration order, so arguments read as in the brief). */
export function printRatelineSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
