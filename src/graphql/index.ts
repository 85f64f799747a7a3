export { buildRatelineSchema, printRatelineSchema } from './schema';
export { createGraphqlServer } from './server';
export { createRequestContext, type RatelineServices, type RequestContext } from './context';
export { serveGraphqlOverWebSocket, type GraphqlWebSocket } from './websocket';
