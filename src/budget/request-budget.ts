import type { RequestHandler, Response } from 'express';
import { UNBOUNDED, startBudget, type Budget } from '../domain/budget';
import { RatelineError } from '../domain/errors';
import type { Logger } from '../logging/logger';
import { requestLog } from '../observability/request-id';

/**
 * Gives every HTTP request a time budget of `timeoutMs` from its arrival (QUERY_TIMEOUT_MS), whose
 * signal also fires when the client goes away before the answer is sent (the response closes
 * unfinished), so that the analytical reads still running for it are stopped, not only abandoned.
 * Handlers read it with {@link budgetOf}. Either end is logged (the reason's code, the URL).
 */
export function requestBudgets(timeoutMs: number, log: Logger): RequestHandler {
  return (req, res, next) => {
    const running = startBudget(timeoutMs);
    res.locals.budget = running.budget;
    running.budget.signal.addEventListener('abort', () => {
      const reason: unknown = running.budget.signal.reason;
      const code = reason instanceof RatelineError ? reason.code : undefined;
      requestLog(res, log).info(
        { code, url: req.originalUrl, budgetMs: timeoutMs },
        'request budget spent (or its client left): its analytical reads, if any, were stopped',
      );
    });
    res.once('close', () => {
      if (res.writableFinished) running.finish();
      else running.abandon();
    });
    next();
  };
}

/** The request's budget (unbounded for a route mounted before {@link requestBudgets}). */
export const budgetOf = (res: Response): Budget => (res.locals.budget as Budget | undefined) ?? UNBOUNDED;
