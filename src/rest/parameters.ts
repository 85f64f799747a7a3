import type { Request } from 'express';
import { RatelineError, badUserInput } from '../domain/errors';

/** A query parameter given exactly once and not empty. */
export function requiredParameter(req: Request, name: string): string {
  const value: unknown = req.query[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw badUserInput(name, value ?? null, `query parameter ${name} is required exactly once`);
  }
  return value;
}

/** The four parameters every rates-like call takes, in the service's spelling. */
export function laneRangeParameters(req: Request): {
  origin: string;
  destination: string;
  dateFrom: string;
  dateTo: string;
} {
  return {
    origin: requiredParameter(req, 'origin'),
    destination: requiredParameter(req, 'destination'),
    dateFrom: requiredParameter(req, 'date_from'),
    dateTo: requiredParameter(req, 'date_to'),
  };
}

/** A query parameter given at most once; undefined when absent or empty. */
export function optionalParameter(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badUserInput(name, value, `query parameter ${name} may be given at most once`);
  return value;
}

/** One of `allowed`, matched case-insensitively (`week` or `WEEK`); `fallback` when absent, else required. */
export function enumParameter<T extends string>(req: Request, name: string, allowed: readonly T[], fallback?: T): T {
  const raw = optionalParameter(req, name);
  if (raw === undefined) {
    if (fallback === undefined) throw badUserInput(name, null, `query parameter ${name} is required exactly once`);
    return fallback;
  }
  const found = allowed.find((a) => a === raw.toUpperCase());
  if (found === undefined)
    throw badUserInput(name, raw, `${name} must be one of ${allowed.map((a) => a.toLowerCase()).join(', ')}`);
  return found;
}

/** `true`/`false` (or `1`/`0`); `fallback` when absent. */
export function booleanParameter(req: Request, name: string, fallback: boolean): boolean {
  const raw = optionalParameter(req, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badUserInput(name, raw, `${name} must be true or false`);
}

/** A whole number as the service checks it; a non-number is refused here, naming the parameter. */
export function integerParameter(req: Request, name: string): number | undefined {
  const raw = optionalParameter(req, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw badUserInput(name, raw, `${name} must be a whole number`);
  return Number(raw);
}

/** The services name fields as GraphQL does; REST clients sent them in the seed API's spelling. */
const REST_FIELD_NAMES: Readonly<Record<string, string>> = {
  dateFrom: 'date_from',
  dateTo: 'date_to',
  minPrices: 'min_prices',
  excludeOutliers: 'exclude_outliers',
};

/** The service's answer, with any error re-spelled for a REST client (see {@link inRestSpelling}). */
export function inRestSpellingOnError<T>(answer: Promise<T>): Promise<T> {
  return answer.catch((error: unknown) => {
    throw inRestSpelling(error);
  });
}

/** A service error re-spelled for a REST client: the field and any GraphQL names in the message. */
function inRestSpelling(error: unknown): unknown {
  if (!(error instanceof RatelineError) || error.field === undefined) return error;
  const field = REST_FIELD_NAMES[error.field];
  if (field === undefined) return error;
  const message = Object.entries(REST_FIELD_NAMES).reduce(
    (text, [from, to]) => text.replaceAll(from, to),
    error.message,
  );
  return new RatelineError(error.code, message, field, error.value);
}
