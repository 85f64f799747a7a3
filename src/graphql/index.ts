export { buildRatelineSchema, printRatelineSchema } from './schema';
export { createGraphqlServer } from './server';
export type { RequestContext } from './context';
