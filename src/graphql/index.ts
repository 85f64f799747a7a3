export { buildRatelineSchema, printRatelineSchema } from './schema';
export { checkQueryDocument } from './limits';
export { createGraphqlServer } from './server';
export { createRequestContext, type RequestContext } from './context';
export { serveGraphqlOverWebSocket } from './websocket';
export { budgetStatusPlugin } from './budget-plugin';
export { freshnessPlugin } from './freshness-plugin';
