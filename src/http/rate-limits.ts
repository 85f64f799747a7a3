import type { RequestHandler, Response } from 'express';
import type { Principal } from '../auth';
import { callerOf, type RequestLimits } from '../limits';

/**
 * Admits a request of the data routes against its caller's limits (after authentication, which names
 * the caller); over a limit it answers 429 with `Retry-After` (the error handler sets it). The request's
 * slot is given back when its response ends or its connection closes.
 */
export function limitRequests(limits: RequestLimits): RequestHandler {
  return (req, res, next) => {
    const caller = callerOf(res.locals.principal as Principal, req.ip);
    res.locals.caller = caller;
    limits.admit(caller).then((release) => {
      res.once('close', release);
      next();
    }, next);
  };
}

/** The caller {@link limitRequests} counted the request against. */
export const callerAdmitted = (res: Response): string => res.locals.caller as string;
