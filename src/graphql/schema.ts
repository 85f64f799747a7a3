import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker, type PubSub } from 'type-graphql';
import { requireRole, type Role } from '../auth';
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

/**
 * type-graphql refuses to build a schema with subscriptions unless a PubSub is given, even when every
 * subscription brings its own `subscribe` (batchProgress reads the operational store, which workers of
 * any process update). Topics are not part of Rateline's design, so using one is a programming error.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('Rateline subscriptions read the operational store; nothing publishes to topics');
  },
  subscribe: () => {
    throw new Error('Rateline subscriptions bring their own subscribe function; none listens to topics');
  },
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
    pubSub: NO_TOPICS,
    validate: false,
  });
}

/** The SDL as committed in schema/schema.graphql (declaration order, so arguments read as in the brief). */
export function printRatelineSchema(schema: GraphQLSchema): string {
  return `${printSchema(schema)}\n`;
}
