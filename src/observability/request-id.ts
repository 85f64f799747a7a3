import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logging/logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a caller may send as its request id: 1-128 visible characters safe in logs and headers. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's `X-Request-Id` when it is acceptable, otherwise a fresh UUID. */
export function requestIdOf(header: string | readonly string[] | undefined): string {
  const value: string | undefined = typeof header === 'string' ? header : header?.[0];
  return typeof value === 'string' && ACCEPTED_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Gives every request an id (the caller's or a new one), answers it in `X-Request-Id`, and a child
 * logger carrying it (`requestLog(res)`) that GraphQL and REST handling log through, so every line about
 * one request, errors included, can be found by that id.
 */
export function requestIds(log: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.locals.requestId = requestId;
    res.locals.log = log.child({ requestId });
    next();
  };
}

/** The request's logger (with its id); the given fallback for a response that never went through {@link requestIds}. */
export function requestLog(res: Response, fallback: Logger): Logger {
  return (res.locals.log as Logger | undefined) ?? fallback;
}
