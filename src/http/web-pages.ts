import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { RatelineError } from '../domain/errors';
import { projectRoot } from '../paths/project-root';

/** Where `npm run build` puts the bundled pages (scripts/build-web.ts). */
export function defaultWebDir(): string {
  return path.join(projectRoot(), 'dist', 'web');
}

/**
 * A browser asking for /graphql (GET, no `query` parameter, HTML preferred over JSON) gets the
 * playground; GraphQL clients (POST, or GET with JSON) go on to Apollo unchanged.
 */
function wantsPlayground(req: Request): boolean {
  if (req.query.query !== undefined) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

export interface WebPageOptions {
  readonly webDir?: string;
  /**
   * Serve the bundles' source maps (`*.map`): for debugging in development; in production (NODE_ENV)
   * they are not served, so the pages' sources are not published with them.
   */
  readonly sourceMaps?: boolean;
}

/**
 * The browser pages, all served from the bundles under `webDir`: GraphiQL at GET /graphql (for
 * browsers), the analyst page at /dashboard, and their scripts, styles, workers and fonts under
 * /assets. Nothing they need comes from another host.
 */
export function webPages({ webDir = defaultWebDir(), sourceMaps = true }: WebPageOptions = {}): Router {
  const router = Router();
  const page = (file: string) => (_req: Request, res: Response) => {
    const full = path.join(webDir, file);
    if (!fs.existsSync(full)) {
      res.status(503).type('text/plain').send(`${file} is not built: run npm run build\n`);
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(full);
  };
  const playground = page('playground.html');
  router.get('/graphql', (req, res, next) => {
    if (wantsPlayground(req)) playground(req, res);
    else next();
  });
  router.get('/dashboard', page('dashboard.html'));
  const noSuchAsset = (req: Request) => new RatelineError('NOT_FOUND', `There is no asset ${req.originalUrl}`);
  router.use(
    '/assets',
    (req, _res, next) => next(!sourceMaps && req.path.endsWith('.map') ? noSuchAsset(req) : undefined),
    express.static(path.join(webDir, 'assets'), { index: false }),
    (req, _res, next) => next(noSuchAsset(req)),
  );
  return router;
}
