export { buildRatelineSchema, printRatelineSchema } from './schema';
export { checkQueryDocument } from './limits';
export { createGraphqlServer } from './server';
export { createRequestContext, type RequestContext } from './context';
export { serveGraphqlOverWebSocket } from './websocket';
export { httpStatusPlugin } from './http-status-plugin';
export { writeTurnsPlugin } from './write-turns-plugin';
export { freshnessPlugin } from './freshness-plugin';
