import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { RequestLimits, WriteTurns } from '../limits';
import type { RatelineServices } from '../services';
import type { Limits } from '../config';
import { ANONYMOUS, presentedApiKey, requireRole, type ApiKeyAuthenticator, type Principal, type Role } from '../auth';
import { budgetOf, requestBudgets } from '../budget';
import { RatelineError } from '../domain/errors';
import { checkQueryDocument, createRequestContext, type RequestContext } from '../graphql';
import { operationsRoutes, type Readiness } from '../observability/health';
import { requestIds, requestLog } from '../observability/request-id';
import { batchRoutes } from '../rest/batch-routes';
import { exportRoutes } from '../rest/export-routes';
import { ratesRoute } from '../rest/rates-route';
import { crossOriginAccess, securityHeaders } from './browser-policy';
import { errorHandler } from './errors';
import { methodGuard, unknownRoute } from './routing';
import { callerAdmitted, limitRequests } from './rate-limits';
import { webPages } from './web-pages';

export interface HttpAppDependencies {
  readonly apollo: ApolloServer<RequestContext>;
  readonly authenticator: ApiKeyAuthenticator;
  readonly services: RatelineServices;
  readonly limits: Pick<Limits, 'maxRequestBodyBytes' | 'maxQueryBytes' | 'maxQueryTokens' | 'queryTimeoutMs'>;
  readonly log: Logger;
  /** Answers `/readyz` (both stores reachable, not shutting down). */
  readonly readiness: Readiness;
  /** Exact origins whose pages may call the API (CORS_ORIGINS); empty: same origin only. */
  readonly corsOrigins: readonly string[];
  /** Serve the pages' source maps (not in production). */
  readonly sourceMaps: boolean;
  /** Rate and concurrency limits of the data routes (/graphql, /rates, /export), per caller. */
  readonly requestLimits: RequestLimits;
  /** Turns on the write path, shared with the GraphQL mutations: a rate sheet takes one per chunk. */
  readonly writeTurns: WriteTurns;
}

const principalOf = (res: Response): Principal => res.locals.principal as Principal;

/** Resolves the caller from the request's API key; a key that matches nothing answers 401 at once. */
function authenticate(authenticator: ApiKeyAuthenticator): RequestHandler {
  return (req, res, next) => {
    res.locals.principal = authenticator.authenticate(presentedApiKey(req.headers));
    next();
  };
}

/** Once keys are configured, GraphQL answers nothing, not even introspection, to a request without one. */
function requireKey(authenticator: ApiKeyAuthenticator): RequestHandler {
  return (_req, res, next) => {
    if (!authenticator.isOpen && principalOf(res) === ANONYMOUS) {
      throw new RatelineError('UNAUTHENTICATED', 'GraphQL needs an API key: send "Authorization: Bearer <key>"');
    }
    next();
  };
}

/** The query document's size and tokens, checked before Apollo parses it (the body may hold large variables). */
function boundedQueryDocuments(limits: HttpAppDependencies['limits']): RequestHandler {
  return (req, _res, next) => {
    const query: unknown =
      req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query === 'string') checkQueryDocument(query, limits);
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
 * GET /export/*.csv, POST /batches (rate sheets as files) and GET /batches/:id, GET /dashboard and
 * its /assets, GET /healthz, and for operators GET /livez, /readyz and (without API keys; else on
 * METRICS_PORT) /metrics. The pages, their assets and the
 * operations routes are public (they hold no data; the pages' GraphQL calls carry the user's key);
 * everything that answers data needs a key once keys are configured. Every response carries an
 * `X-Request-Id` (the caller's, if acceptable) and helmet's security headers; a known path asked with
 * another method answers 405, an unknown one 404, both as JSON (routing.ts lists the routes).
 */
export function createHttpApp(deps: HttpAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  app.use(requestIds(deps.log));
  const cors = crossOriginAccess(deps.corsOrigins);
  if (cors) app.use(cors);
  app.use(methodGuard());
  // The app is only built once the stores are open and migrated, so being up means being able to answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(operationsRoutes(deps.readiness, { metrics: deps.authenticator.isOpen }));
  app.use(webPages({ sourceMaps: deps.sourceMaps }));
  app.use(authenticate(deps.authenticator));
  app.use(requestBudgets(deps.limits.queryTimeoutMs, deps.log));
  app.use(['/rates', '/export', '/graphql', '/batches'], limitRequests(deps.requestLimits));
  app.use('/rates', requireRoleFor(['read']), ratesRoute(deps.services.rates));
  app.use('/export', requireRoleFor(['read']), exportRoutes(deps.services));
  app.use(
    '/batches',
    batchRoutes(deps.services, principalOf, (res, left) => deps.writeTurns.take(callerAdmitted(res), left)),
  );
  app.use(
    '/graphql',
    requireKey(deps.authenticator),
    express.json({ limit: deps.limits.maxRequestBodyBytes }),
    boundedQueryDocuments(deps.limits),
    expressMiddleware(deps.apollo, {
      context: ({ res }) =>
        Promise.resolve(
          createRequestContext(
            deps.services,
            principalOf(res),
            callerAdmitted(res),
            requestLog(res, deps.log),
            budgetOf(res),
          ),
        ),
    }),
  );
  app.use(unknownRoute());
  app.use(errorHandler(deps.log));
  return app;
}
