import type { RequestHandler } from 'express';
import type { Principal } from '../auth';
import { callerOf, RateLimitedError, type RequestLimits } from '../limits';

/**
 * Admits a request of the data routes against its caller's limits (after authentication, which names
 * the caller); over a limit it answers 429 with `Retry-After` through the error handler. The request's
 * slot is given back when its response ends or its connection closes.
 */
export function limitRequests(limits: RequestLimits): RequestHandler {
  return (req, res, next) => {
    limits.admit(callerOf(res.locals.principal as Principal, req.ip)).then(
      (release) => {
        res.once('close', release);
        next();
      },
      (error: unknown) => {
        if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
        next(error);
      },
    );
  };
}
