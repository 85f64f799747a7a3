export { buildRatelineSchema, printRatelineSchema } from './schema';
export { createErrorFormatter } from './errors';
export { queryLimitsPlugin } from './limits';
export type { RequestContext } from './context';
