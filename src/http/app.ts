import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { presentedApiKey, requireRole, type ApiKeyAuthenticator, type Principal } from '../auth';
import { createRequestContext, type RatelineServices, type RequestContext } from '../graphql';
import { ratesRoute } from '../rest/rates-route';
import { errorHandler } from './errors';

export interface HttpAppDependencies {
  readonly apollo: ApolloServer<RequestContext>;
  readonly authenticator: ApiKeyAuthenticator;
  readonly services: RatelineServices;
  readonly maxRequestBodyBytes: number;
  readonly log: Logger;
}

const principalOf = (res: Response): Principal => res.locals.principal as Principal;

/** Resolves the caller from the request's API key; a key that matches nothing answers 401 at once. */
function authenticate(authenticator: ApiKeyAuthenticator): RequestHandler {
  return (req, res, next) => {
    res.locals.principal = authenticator.authenticate(presentedApiKey(req.headers));
    next();
  };
}

/** Routes: POST/GET /graphql, GET /rates (legacy REST), GET /healthz. */
export function createHttpApp(deps: HttpAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // The app is only built once the stores are open and migrated, so being up means being able to answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(authenticate(deps.authenticator));
  app.use(
    '/rates',
    (_req, res, next) => {
      requireRole(principalOf(res), ['read'], 'GET /rates');
      next();
    },
    ratesRoute(deps.services.rates),
  );
  app.use(
    '/graphql',
    express.json({ limit: deps.maxRequestBodyBytes }),
    expressMiddleware(deps.apollo, {
      context: ({ res }) => Promise.resolve(createRequestContext(deps.services, principalOf(res))),
    }),
  );
  app.use(errorHandler(deps.log));
  return app;
}
