import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { RequestLimits } from '../limits';
import type { RatelineServices } from '../services';
import { presentedApiKey, requireRole, type ApiKeyAuthenticator, type Principal, type Role } from '../auth';
import { createRequestContext, type RequestContext } from '../graphql';
import { operationsRoutes, type Readiness } from '../observability/health';
import { requestIds, requestLog } from '../observability/request-id';
import { exportRoutes } from '../rest/export-routes';
import { ratesRoute } from '../rest/rates-route';
import { errorHandler } from './errors';
import { limitRequests } from './rate-limits';
import { webPages } from './web-pages';

export interface HttpAppDependencies {
  readonly apollo: ApolloServer<RequestContext>;
  readonly authenticator: ApiKeyAuthenticator;
  readonly services: RatelineServices;
  readonly maxRequestBodyBytes: number;
  readonly log: Logger;
  /** Answers `/readyz` (both stores reachable, not shutting down). */
  readonly readiness: Readiness;
  /** Rate and concurrency limits of the data routes (/graphql, /rates, /export), per caller. */
  readonly requestLimits: RequestLimits;
}

const principalOf = (res: Response): Principal => res.locals.principal as Principal;

/** Resolves the caller from the request's API key; a key that matches nothing answers 401 at once. */
function authenticate(authenticator: ApiKeyAuthenticator): RequestHandler {
  return (req, res, next) => {
    res.locals.principal = authenticator.authenticate(presentedApiKey(req.headers));
    next();
  };
}

function requireRoleFor(roles: readonly Role[]): RequestHandler {
  return (req, res, next) => {
    requireRole(principalOf(res), roles, `GET ${req.baseUrl}${req.path}`);
    next();
  };
}

/**
 * Routes: POST/GET /graphql (GET from a browser: the playground), GET /rates (legacy REST),
 * GET /export/*.csv, GET /dashboard and its /assets, GET /healthz, and for operators GET /livez,
 * /readyz and /metrics. The pages, their assets and the operations routes are public (they hold no
 * data; the pages' GraphQL calls carry the user's key); everything that answers data needs a key once
 * keys are configured. Every response carries an `X-Request-Id` (the caller's, if acceptable).
 */
export function createHttpApp(deps: HttpAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestIds(deps.log));
  // The app is only built once the stores are open and migrated, so being up means being able to answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(operationsRoutes(deps.readiness));
  app.use(webPages());
  app.use(authenticate(deps.authenticator));
  app.use(['/rates', '/export', '/graphql'], limitRequests(deps.requestLimits));
  app.use('/rates', requireRoleFor(['read']), ratesRoute(deps.services.rates));
  app.use('/export', requireRoleFor(['read']), exportRoutes(deps.services));
  app.use(
    '/graphql',
    express.json({ limit: deps.maxRequestBodyBytes }),
    expressMiddleware(deps.apollo, {
      context: ({ res }) =>
        Promise.resolve(createRequestContext(deps.services, principalOf(res), requestLog(res, deps.log))),
    }),
  );
  app.use(errorHandler(deps.log));
  return app;
}
