import type { RateSeriesQuery } from '../analysis';
import type { CreateBatchInput } from '../ingest';
import { RatelineError, badUserInput } from '../domain/errors';
import { isSpreadField, SPREAD_FIELDS, type SpreadField } from '../domain/market-spread';
import { GRANULARITIES } from '../domain/period';
import type { LaneRangeQuery, RatesFallback, RatesInCurrencyQuery, ScopedRatesQuery } from '../rates';

/**
 * A request's query string as express parses it: a string per parameter, an array when it is repeated,
 * an object for `name[key]=`.
 */
export type QueryParameters = Readonly<Record<string, unknown>>;

/** GET /rates: the lane and range, and the currency to report in (USD when absent). */
export function ratesParameters(query: QueryParameters): RatesInCurrencyQuery & { readonly fields: SpreadField[] } {
  const fields = spreadFieldsParameter(query);
  return {
    ...laneRangeParameters(query),
    currency: optionalParameter(query, 'currency'),
    fields,
    withSpread: fields.length > 0,
  };
}

/** GET /export/rates.csv: as `ratesWithScope`; fallback `none` and exclude_outliers `false` when absent. */
export function scopedRatesParameters(query: QueryParameters): ScopedRatesQuery & { readonly fields: SpreadField[] } {
  const fields = spreadFieldsParameter(query);
  return {
    ...laneRangeParameters(query),
    fields,
    withSpread: fields.length > 0,
    minPrices: integerParameter(query, 'min_prices'),
    fallback: enumParameter<RatesFallback>(query, 'fallback', ['NONE', 'PARENT_REGIONS'], 'NONE'),
    excludeOutliers: booleanParameter(query, 'exclude_outliers', false),
  };
}

/** GET /export/series.csv: as `rateSeries`; granularity required, exclude_outliers `false` when absent. */
export function seriesParameters(query: QueryParameters): RateSeriesQuery {
  return {
    ...laneRangeParameters(query),
    granularity: enumParameter(query, 'granularity', GRANULARITIES),
    excludeOutliers: booleanParameter(query, 'exclude_outliers', false),
  };
}

/**
 * The parameters every rates-like call takes, in the service's spelling; the dimension filter as
 * `container_types=40HC,20DC` and `contract_term=long_term` (any case), checked by the service.
 */
function laneRangeParameters(query: QueryParameters): LaneRangeQuery {
  return {
    origin: requiredParameter(query, 'origin'),
    destination: requiredParameter(query, 'destination'),
    dateFrom: requiredParameter(query, 'date_from'),
    dateTo: requiredParameter(query, 'date_to'),
    containerTypes: optionalParameter(query, 'container_types')?.split(','),
    contractTerm: optionalParameter(query, 'contract_term')?.toUpperCase(),
  };
}

/** `fields=low,p25,median,p75,high` (any subset, any order; listed in this order); none when absent. */
function spreadFieldsParameter(query: QueryParameters): SpreadField[] {
  const raw = optionalParameter(query, 'fields');
  if (raw === undefined) return [];
  const named = raw.split(',');
  const unknown = named.find((name) => !isSpreadField(name));
  if (unknown !== undefined) {
    throw badUserInput(
      'fields',
      unknown,
      `Unknown field "${unknown}" in fields; accepted: ${SPREAD_FIELDS.join(', ')}`,
    );
  }
  return SPREAD_FIELDS.filter((field) => named.includes(field));
}

/** A query parameter given exactly once and not empty. */
function requiredParameter(query: QueryParameters, name: string): string {
  const value = query[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw badUserInput(name, value ?? null, `query parameter ${name} is required exactly once`);
  }
  return value;
}

/** A query parameter given at most once; undefined when absent or empty. */
function optionalParameter(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badUserInput(name, value, `query parameter ${name} may be given at most once`);
  return value;
}

/** One of `allowed`, matched case-insensitively (`week` or `WEEK`); `fallback` when absent, else required. */
function enumParameter<T extends string>(query: QueryParameters, name: string, allowed: readonly T[], fallback?: T): T {
  const raw = optionalParameter(query, name);
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
function booleanParameter(query: QueryParameters, name: string, fallback: boolean): boolean {
  return booleanValue(name, optionalParameter(query, name), fallback);
}

function booleanValue(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badUserInput(name, raw, `${name} must be true or false`);
}

/** A request's headers as node gives them: lower-case names, repeated ones joined or listed. */
export type HeaderValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * POST /batches: the idempotency key (required) and skipInvalid (`false` when absent), each as a query
 * parameter or a header; given both ways, the two must agree.
 */
export function sheetUploadParameters(query: QueryParameters, headers: HeaderValues): CreateBatchInput {
  const idempotencyKey = parameterOrHeader(query, 'idempotencyKey', headers, 'idempotency-key');
  if (idempotencyKey === undefined) {
    throw badUserInput(
      'idempotencyKey',
      null,
      'POST /batches needs an idempotency key: the query parameter idempotencyKey or the header Idempotency-Key',
    );
  }
  const skipInvalid = parameterOrHeader(query, 'skipInvalid', headers, 'rateline-skip-invalid');
  return { idempotencyKey, skipInvalid: booleanValue('skipInvalid', skipInvalid, false) };
}

function parameterOrHeader(
  query: QueryParameters,
  name: string,
  headers: HeaderValues,
  header: string,
): string | undefined {
  const fromQuery = optionalParameter(query, name);
  const raw = headers[header];
  if (Array.isArray(raw)) throw badUserInput(name, raw, `the header ${header} may be given at most once`);
  const fromHeader = raw === undefined || raw === '' ? undefined : (raw as string);
  if (fromQuery !== undefined && fromHeader !== undefined && fromQuery !== fromHeader) {
    throw badUserInput(
      name,
      fromQuery,
      `${name} is given as a query parameter (${JSON.stringify(fromQuery)}) and as the header ${header} ` +
        `(${JSON.stringify(fromHeader)}); give it once, or the same both ways`,
    );
  }
  return fromQuery ?? fromHeader;
}

/** A whole number, range left to the service; a non-number is refused here, naming the parameter. */
function integerParameter(query: QueryParameters, name: string): number | undefined {
  const raw = optionalParameter(query, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw badUserInput(name, raw, `${name} must be a whole number`);
  return Number(raw);
}

/** The services name fields as GraphQL does; REST clients send them in the seed API's spelling. */
const REST_FIELD_NAMES: Readonly<Record<string, string>> = {
  dateFrom: 'date_from',
  dateTo: 'date_to',
  minPrices: 'min_prices',
  excludeOutliers: 'exclude_outliers',
  containerTypes: 'container_types',
  contractTerm: 'contract_term',
};

/** The service's answer, with any error re-spelled for a REST client (see {@link inRestSpelling}). */
export function inRestSpellingOnError<T>(answer: Promise<T>): Promise<T> {
  return answer.catch((error: unknown) => {
    throw inRestSpelling(error);
  });
}

/**
 * A service error re-spelled for a REST client: its field, and every GraphQL name in its message.
 * Other errors, and errors about a field both spell alike (origin, currency), pass unchanged.
 */
export function inRestSpelling(error: unknown): unknown {
  if (!(error instanceof RatelineError) || error.field === undefined) return error;
  const field = REST_FIELD_NAMES[error.field];
  if (field === undefined) return error;
  const message = Object.entries(REST_FIELD_NAMES).reduce(
    (text, [from, to]) => text.replaceAll(from, to),
    error.message,
  );
  return new RatelineError(error.code, message, field, error.value);
}
