import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { REQUEST_ID_HEADER } from '../observability/request-id';

/**
 * The content security policy of every answer, written for the two pages (GraphiQL at GET /graphql and
 * /dashboard): scripts, workers, fonts and API calls from this origin only, no inline or evaluated
 * script, no plugins, and no framing by anyone (the dashboard holds an API key in sessionStorage).
 * Inline styles stay allowed: GraphiQL's editor (Monaco) and Chart.js set styles at run time.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  },
};

/** helmet's security headers on every answer, with the policy above and framing denied. */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' } });
}

/**
 * CORS for the exact origins of CORS_ORIGINS (none: no CORS header at all, so only same-origin pages
 * can read answers). Preflights are answered here (204, methods, the requested headers, cached 10 min).
 * No credentials: callers authenticate with a header, never a cookie. Apollo's CSRF prevention still
 * refuses the requests a browser sends without a preflight, whatever their origin.
 */
export function crossOriginAccess(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST'],
    exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After'],
    maxAge: 600,
  });
}
