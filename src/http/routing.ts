import type { RequestHandler } from 'express';
import { RatelineError } from '../domain/errors';

/**
 * The methods each route of {@link createHttpApp} takes (HEAD wherever GET is), so that a known path
 * asked with another method answers 405 with `Allow`, before any body is read or any handler runs, and
 * an unknown path answers 404. Keep in step with the routes mounted in app.ts.
 */
const ROUTES: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/graphql\/?$/, ['GET', 'POST']],
  [/^\/(healthz|livez|readyz|metrics|dashboard|rates)\/?$/, ['GET']],
  [/^\/export\/(rates|series)\.csv$/, ['GET']],
  [/^\/batches\/?$/, ['POST']],
  [/^\/batches\/[^/]+\/?$/, ['GET']],
  [/^\/assets\//, ['GET']],
];

function allowedMethods(path: string): readonly string[] | undefined {
  const methods = ROUTES.find(([pattern]) => pattern.test(path))?.[1];
  return methods?.includes('GET') ? [...methods, 'HEAD'] : methods;
}

/** 405 METHOD_NOT_ALLOWED for a known path asked with a method it does not take. */
export function methodGuard(): RequestHandler {
  return (req, res, next) => {
    const allowed = allowedMethods(req.path);
    if (!allowed || allowed.includes(req.method)) {
      next();
      return;
    }
    res.setHeader('Allow', allowed.join(', '));
    next(
      new RatelineError(
        'METHOD_NOT_ALLOWED',
        `${req.path} does not take ${req.method}; it takes ${allowed.join(', ')}`,
        'method',
        req.method,
      ),
    );
  };
}

/** The last route: nothing matched, so 404 NOT_FOUND (as JSON, like every other error). */
export function unknownRoute(): RequestHandler {
  return (req, _res, next) => {
    next(new RatelineError('NOT_FOUND', `There is nothing at ${req.path}`, 'path', req.path));
  };
}
