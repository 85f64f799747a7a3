import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AnalysisService } from '../analysis';
import type { RequestContext } from '../graphql';
import type { LocationsService } from '../locations';
import type { RatesService } from '../rates';
import { exportRoutes } from '../rest/export-routes';
import { ratesRoute } from '../rest/rates-route';
import { errorHandler } from './errors';
import { webPages } from './web-pages';

export interface HttpAppDependencies {
  readonly apollo: ApolloServer<RequestContext>;
  readonly rates: RatesService;
  readonly analysis: AnalysisService;
  readonly locations: LocationsService;
  readonly maxRequestBodyBytes: number;
  readonly log: Logger;
}

/**
 * Routes: POST/GET /graphql (GET from a browser: the playground), GET /rates (legacy REST),
 * GET /export/*.csv, GET /dashboard and its /assets, GET /healthz.
 */
export function createHttpApp(deps: HttpAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // The app is only built once the stores are open and migrated, so being up means being able to answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(ratesRoute(deps.rates));
  app.use(exportRoutes(deps));
  app.use(webPages());
  app.use(
    '/graphql',
    express.json({ limit: deps.maxRequestBodyBytes }),
    expressMiddleware(deps.apollo, {
      context: () =>
        Promise.resolve({ locations: deps.locations.forRequest(), rates: deps.rates, analysis: deps.analysis }),
    }),
  );
  app.use(errorHandler(deps.log));
  return app;
}
