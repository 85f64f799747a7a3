/** The dashboard's only data source: Rateline's GraphQL API on the same origin. */

export type Granularity = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';
export type LaneOrder = 'VOLUME' | 'AVERAGE_PRICE' | 'VOLATILITY';
export type ContractTerm = 'SHORT_TERM' | 'LONG_TERM';

/** The container types the API takes (schema: `containerTypes`); no box ticked is every price. */
export const CONTAINER_TYPES = ['20DC', '20RE', '20TK', '40DC', '40RH', '40HC'] as const;
export type ContainerType = (typeof CONTAINER_TYPES)[number];
export const CONTRACT_TERMS: readonly ContractTerm[] = ['SHORT_TERM', 'LONG_TERM'];

export interface Location {
  readonly id: string;
  readonly name: string;
  readonly kind: 'port' | 'region';
}

export interface RatePeriod {
  readonly periodStart: string;
  readonly averagePrice: number | null;
  /** The average's change against the period before, as a fraction. */
  readonly change: number | null;
  readonly minPrice: number | null;
  readonly maxPrice: number | null;
  /** 2.5th and 97.5th percentiles: the market's low and high. */
  readonly low: number | null;
  readonly p25: number | null;
  readonly median: number | null;
  readonly p75: number | null;
  readonly high: number | null;
  readonly priceCount: number;
  readonly outliersExcluded: number;
}

export interface LaneStats {
  readonly origin: { readonly code: string; readonly name: string };
  readonly destination: { readonly code: string; readonly name: string };
  readonly priceCount: number;
  readonly averagePrice: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly stddevPrice: number;
  readonly volatility: number;
}

export interface AnalysisQuery {
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly granularity: Granularity;
  readonly excludeOutliers: boolean;
  readonly orderBy: LaneOrder;
  /** Empty: every container type, and prices without one. */
  readonly containerTypes: readonly ContainerType[];
  /** Null: every term, and prices without one. */
  readonly contractTerm: ContractTerm | null;
}

export interface Analysis {
  readonly rateSeries: { readonly outliersExcluded: number; readonly periods: readonly RatePeriod[] };
  readonly laneStats: readonly LaneStats[];
  /** Every change of the feed up to this time (ISO 8601) is counted (the answer's `extensions.dataAsOf`). */
  readonly dataAsOf: string | undefined;
}

/** An error the API answered with; `field` names the argument at fault when there is one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

interface GraphqlAnswer<Data> {
  readonly data?: Data | null;
  readonly errors?: readonly {
    readonly message: string;
    readonly extensions?: { readonly code?: string; readonly field?: string };
  }[];
  readonly extensions?: { readonly dataAsOf?: string };
}

/**
 * The API key the analyst entered, kept for the browser tab only (sessionStorage): a service with keys
 * configured answers nothing without one, an open one ignores it.
 */
const API_KEY_STORAGE = 'rateline.apiKey';

export function apiKey(): string {
  return sessionStorage.getItem(API_KEY_STORAGE) ?? '';
}

export function setApiKey(key: string): void {
  if (key === '') sessionStorage.removeItem(API_KEY_STORAGE);
  else sessionStorage.setItem(API_KEY_STORAGE, key);
}

const authorization = (): Record<string, string> => (apiKey() === '' ? {} : { authorization: `Bearer ${apiKey()}` });

async function graphql<Data>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data: Data; dataAsOf: string | undefined }> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authorization() },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as GraphqlAnswer<Data>;
  const [error] = answer.errors ?? [];
  if (error) throw new ApiError(error.message, error.extensions?.code, error.extensions?.field);
  if (!answer.data) throw new ApiError(`the API answered HTTP ${response.status} without data`, undefined, undefined);
  return { data: answer.data, dataAsOf: answer.extensions?.dataAsOf };
}

export async function fetchLocations(): Promise<Location[]> {
  const { data } = await graphql<{
    ports: { code: string; name: string }[];
    regions: { slug: string; name: string }[];
  }>('query Locations { ports { code name } regions { slug name } }');
  return [
    ...data.regions.map((r): Location => ({ id: r.slug, name: r.name, kind: 'region' })),
    ...data.ports.map((p): Location => ({ id: p.code, name: p.name, kind: 'port' })),
  ];
}

const ANALYSIS = `query Analysis(
  $origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
  $granularity: Granularity!, $excludeOutliers: Boolean, $orderBy: LaneStatsOrder,
  $containerTypes: [String!], $contractTerm: ContractTerm
) {
  rateSeries(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
             granularity: $granularity, excludeOutliers: $excludeOutliers,
             containerTypes: $containerTypes, contractTerm: $contractTerm) {
    outliersExcluded
    periods {
      periodStart averagePrice change minPrice maxPrice low p25 median p75 high priceCount outliersExcluded
    }
  }
  laneStats(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
            orderBy: $orderBy, first: 10, excludeOutliers: $excludeOutliers,
            containerTypes: $containerTypes, contractTerm: $contractTerm) {
    origin { code name }
    destination { code name }
    priceCount averagePrice minPrice maxPrice stddevPrice volatility
  }
}`;

export async function fetchAnalysis(query: AnalysisQuery): Promise<Analysis> {
  const { data, dataAsOf } = await graphql<Omit<Analysis, 'dataAsOf'>>(ANALYSIS, {
    ...query,
    // Left out rather than empty: an empty list is refused, a missing one counts every price.
    containerTypes: query.containerTypes.length > 0 ? query.containerTypes : null,
  });
  return { ...data, dataAsOf };
}

/** The filters in the REST spelling (`container_types=40HC,20DC&contract_term=LONG_TERM`), when set. */
export function addDimensionParameters(
  params: URLSearchParams,
  query: Pick<AnalysisQuery, 'containerTypes' | 'contractTerm'>,
): void {
  if (query.containerTypes.length > 0) params.set('container_types', query.containerTypes.join(','));
  if (query.contractTerm !== null) params.set('contract_term', query.contractTerm);
}

/** The CSV export of the same series (GET /export/series.csv takes the REST spelling). */
export function seriesCsvUrl(query: AnalysisQuery): string {
  const params = new URLSearchParams({
    origin: query.origin,
    destination: query.destination,
    date_from: query.dateFrom,
    date_to: query.dateTo,
    granularity: query.granularity,
    exclude_outliers: String(query.excludeOutliers),
  });
  addDimensionParameters(params, query);
  return `/export/series.csv?${params.toString()}`;
}

/** Downloads a CSV export with the API key in a header (a plain link cannot send one). */
export async function downloadCsv(url: string): Promise<Blob> {
  const response = await fetch(url, { headers: authorization() });
  if (!response.ok) {
    const body = (await response.json()) as { error?: { message?: string; code?: string; field?: string } };
    throw new ApiError(body.error?.message ?? `HTTP ${response.status}`, body.error?.code, body.error?.field);
  }
  return response.blob();
}
