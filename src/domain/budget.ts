import { RatelineError } from './errors';

/**
 * What a request may still spend on its analytical queries. `signal` fires when the time runs out or
 * the client goes away, with a {@link RatelineError} as its reason (QUERY_TIMEOUT or
 * CLIENT_CLOSED_REQUEST), so whoever stops on it can throw the reason as it is.
 */
export interface Budget {
  readonly signal: AbortSignal;
  /** `Date.now()` by which the answer must be ready; Infinity when only the client's leaving stops it. */
  readonly deadline: number;
  /** How long the budget was, for the QUERY_TIMEOUT message. */
  readonly timeoutMs: number;
}

/** For work no request waits on (the replicator, subscriptions): nothing stops it. */
export const UNBOUNDED: Budget = {
  signal: new AbortController().signal,
  deadline: Number.POSITIVE_INFINITY,
  timeoutMs: Number.POSITIVE_INFINITY,
};

export function queryTimeout(budgetMs: number): RatelineError {
  return new RatelineError(
    'QUERY_TIMEOUT',
    `The request did not finish within its time budget of ${budgetMs} ms and was stopped; ` +
      'ask for a shorter range or fewer fields, or retry later',
  );
}

const clientClosedRequest = (): RatelineError =>
  new RatelineError('CLIENT_CLOSED_REQUEST', 'The client closed the request before its answer was ready');

/** A running budget: ends (its timer cleared) when the request is answered, or is abandoned early. */
export interface RunningBudget {
  readonly budget: Budget;
  /** The request was answered: the budget stops counting. */
  finish(): void;
  /** The client went away: everything still running for it stops. */
  abandon(): void;
}

/** A budget of `budgetMs` from now. */
export function startBudget(budgetMs: number): RunningBudget {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(queryTimeout(budgetMs)), budgetMs);
  // A pending budget must not keep a process alive that has nothing else to do.
  timer.unref();
  return {
    budget: { signal: controller.signal, deadline: Date.now() + budgetMs, timeoutMs: budgetMs },
    finish: () => clearTimeout(timer),
    abandon: () => {
      clearTimeout(timer);
      controller.abort(clientClosedRequest());
    },
  };
}
