import { dimensionFilterOf, filtersNothing, type ContractTerm } from '../../src/domain/freight-dimensions';
import { SPREAD_FIELDS } from '../../src/domain/market-spread';
import {
  DAILY_PRICE_TOTALS_FORMAT,
  dailyPriceSpreadsQuery,
  dailyPriceTotalsQuery,
  dailyPriceTotalsSettings,
  settingsClause,
  type DailyPriceTotalsRow,
} from '../../src/stores/analytics';
import { LocationsService } from '../../src/locations';
import { BenchGraphqlClient } from './graphql-client';
import { collectGarbage, timed, type BenchContext, type BenchSection } from './context';
import { formatCount, formatMet, formatMs, formatRatio, summarize, type BenchRow } from './stats';

/**
 * `rates` latency end to end (HTTP POST of the GraphQL query to the running service over a keep-alive
 * connection, JSON parsed on the client) against the same ClickHouse query issued directly on a second client with the locations
 * already resolved to ports. The two are interleaved, alternating which goes first, so that drift
 * (merges, GC, CPU frequency) hits both alike.
 */

export interface RatesCase {
  readonly name: string;
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  /** The brief's bound on e2e / direct at p50 and p95, for the case it sets one for. */
  readonly targetRatio?: number;
  /** The dimension filter, as the client sends it; none: every price. */
  readonly containerTypes?: readonly string[];
  readonly contractTerm?: ContractTerm;
  /** Whether the query selects the spread (low … high), which reads the prices themselves. */
  readonly withSpread?: boolean;
}

export const RATES_CASES: readonly RatesCase[] = [
  {
    name: 'rates port → port, 1 month',
    origin: 'CNSGH',
    destination: 'NLRTM',
    dateFrom: '2019-03-01',
    dateTo: '2019-03-31',
  },
  {
    name: 'rates port → region, 1 year',
    origin: 'CNSGH',
    destination: 'north_europe_main',
    dateFrom: '2019-01-01',
    dateTo: '2019-12-31',
  },
  {
    name: 'rates region → region, 1 year',
    origin: 'china_main',
    destination: 'north_europe_main',
    dateFrom: '2019-01-01',
    dateTo: '2019-12-31',
    targetRatio: 1.3,
  },
  {
    name: 'rates region → region, 1 year, 40HC long-term',
    origin: 'china_main',
    destination: 'north_europe_main',
    dateFrom: '2019-01-01',
    dateTo: '2019-12-31',
    targetRatio: 1.3,
    containerTypes: ['40HC'],
    contractTerm: 'LONG_TERM',
  },
  {
    name: 'rates region → region, 1 year, with the spread',
    origin: 'china_main',
    destination: 'north_europe_main',
    dateFrom: '2019-01-01',
    dateTo: '2019-12-31',
    targetRatio: 1.3,
    withSpread: true,
  },
];

/** The original query (the unfiltered rows measure exactly it), or with the filter and spread as the case asks. */
function ratesQuery(ratesCase: RatesCase): string {
  const filtered = ratesCase.containerTypes !== undefined || ratesCase.contractTerm !== undefined;
  const filterVariables = filtered ? ', $containerTypes: [String!], $contractTerm: ContractTerm' : '';
  const filterArguments = filtered ? ', containerTypes: $containerTypes, contractTerm: $contractTerm' : '';
  const spread = ratesCase.withSpread ? ` ${SPREAD_FIELDS.join(' ')}` : '';
  return `query Rates($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!${filterVariables}) {
  rates(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo${filterArguments}) { day averagePrice priceCount${spread} }
}`;
}

interface RatesResponse {
  readonly data?: {
    readonly rates?: readonly { day: string; averagePrice: number | null; priceCount: number }[];
  } | null;
  readonly errors?: readonly { readonly message: string }[];
}

/** One measured case: the same question end to end and directly, each returning a count to cross-check. */
export interface CaseRunner {
  /** One GraphQL request; returns the sum of the answer's priceCount. */
  e2e(): Promise<number>;
  /** The API's ClickHouse query; returns the sum of the rows' priceCount. */
  direct(): Promise<number>;
}

/** `directQuery`: what the direct side runs with the same parameters (the API's own query unless given). */
export async function caseRunner(
  context: BenchContext,
  ratesCase: RatesCase,
  client: BenchGraphqlClient,
  directQuery?: string,
): Promise<CaseRunner> {
  const dimensions = dimensionFilterOf(ratesCase.containerTypes, ratesCase.contractTerm);
  const database = context.config.clickhouse.database;
  const query =
    directQuery ??
    (ratesCase.withSpread
      ? dailyPriceSpreadsQuery(database, { excludeOutliers: false }, dimensions)
      : `${dailyPriceTotalsQuery(database, dimensions)}\n${settingsClause(dailyPriceTotalsSettings(dimensions))}`);
  const { running, direct } = context;
  const locations = new LocationsService(running.stores.operational.referenceData);
  const [origin, destination] = await Promise.all([
    locations.resolve(ratesCase.origin),
    locations.resolve(ratesCase.destination),
  ]);
  if (!origin || !destination) {
    throw new Error(`${ratesCase.name}: ${ratesCase.origin} or ${ratesCase.destination} is not in the reference data`);
  }
  const expectedDays = (Date.parse(ratesCase.dateTo) - Date.parse(ratesCase.dateFrom)) / 86_400_000 + 1;
  const body = JSON.stringify({
    query: ratesQuery(ratesCase),
    variables: {
      origin: ratesCase.origin,
      destination: ratesCase.destination,
      dateFrom: ratesCase.dateFrom,
      dateTo: ratesCase.dateTo,
      ...(!filtersNothing(dimensions) && {
        containerTypes: ratesCase.containerTypes,
        contractTerm: ratesCase.contractTerm,
      }),
    },
  });
  const queryParams = {
    origins: origin.portCodes,
    destinations: destination.portCodes,
    from: ratesCase.dateFrom,
    to: ratesCase.dateTo,
    ...(dimensions.containerTypes !== null && { containerTypes: dimensions.containerTypes }),
    ...(dimensions.contractTerm !== null && { contractTerm: dimensions.contractTerm }),
  };
  return {
    async e2e() {
      const response = await client.post(body);
      const json = response.json as RatesResponse;
      if (response.status !== 200 || json.errors?.length) {
        throw new Error(`${ratesCase.name}: HTTP ${response.status} ${JSON.stringify(json.errors ?? json)}`);
      }
      const rates = json.data?.rates ?? [];
      if (rates.length !== expectedDays)
        throw new Error(`${ratesCase.name}: ${rates.length} days, expected ${expectedDays}`);
      return rates.reduce((sum, r) => sum + r.priceCount, 0);
    },
    async direct() {
      const result = await direct.query({
        query,
        query_params: queryParams,
        format: DAILY_PRICE_TOTALS_FORMAT,
      });
      const { data } = await result.json<DailyPriceTotalsRow>();
      return data.reduce((sum, r) => sum + r.priceCount, 0);
    },
  };
}

async function measureCase(context: BenchContext, ratesCase: RatesCase): Promise<BenchRow> {
  const client = new BenchGraphqlClient(`${context.running.url}/graphql`, context.apiKey);
  try {
    return await measureWith(context, ratesCase.name, await caseRunner(context, ratesCase, client), {
      targetRatio: ratesCase.targetRatio,
    });
  } finally {
    client.close();
  }
}

/**
 * Times `runner` (warm-up, then alternating e2e and direct) and returns its row. `pricesInRange` is the
 * figure for that column when the answers' counts are not it (laneStats counts only the lanes listed);
 * `targetRatio`, when the brief sets one, is checked at p50 and p95, or at p50 only (`targetAt`).
 */
export async function measureWith(
  context: BenchContext,
  name: string,
  runner: CaseRunner,
  options: {
    readonly pricesInRange?: number;
    readonly targetRatio?: number;
    readonly targetAt?: 'p50' | 'p50 and p95';
  } = {},
): Promise<BenchRow> {
  const { pricesInRange, targetRatio, targetAt = 'p50 and p95' } = options;
  const [e2eCount, directCount] = [await runner.e2e(), await runner.direct()];
  if (e2eCount !== directCount) {
    throw new Error(`${name}: the API counted ${e2eCount} prices, the direct query ${directCount}`);
  }
  const noop = (): void => undefined;
  for (let i = 0; i < context.warmup; i += 1) {
    await runner.e2e();
    await runner.direct();
  }
  collectGarbage();
  const e2eMs: number[] = [];
  const directMs: number[] = [];
  const timeE2e = async (): Promise<void> => {
    e2eMs.push(await timed(() => runner.e2e().then(noop)));
  };
  const timeDirect = async (): Promise<void> => {
    directMs.push(await timed(() => runner.direct().then(noop)));
  };
  for (let i = 0; i < context.iterations; i += 1) {
    if (i % 2 === 0) {
      await timeE2e();
      await timeDirect();
    } else {
      await timeDirect();
      await timeE2e();
    }
  }
  const e2e = summarize(e2eMs);
  const directStats = summarize(directMs);
  context.progress(
    `${name}: ${formatCount(pricesInRange ?? directCount)} prices; e2e p50 ${formatMs(e2e.p50)} p95 ${formatMs(e2e.p95)} ` +
      `p99 ${formatMs(e2e.p99)} max ${formatMs(e2e.max)} ms; direct p50 ${formatMs(directStats.p50)} ` +
      `p95 ${formatMs(directStats.p95)} p99 ${formatMs(directStats.p99)} max ${formatMs(directStats.max)} ms`,
  );
  return {
    name,
    cells: new Map([
      ['prices in range', formatCount(pricesInRange ?? directCount)],
      ['e2e p50 ms', formatMs(e2e.p50)],
      ['e2e p95 ms', formatMs(e2e.p95)],
      ['direct p50 ms', formatMs(directStats.p50)],
      ['direct p95 ms', formatMs(directStats.p95)],
      ['ratio p50', formatRatio(e2e.p50 / directStats.p50)],
      ['ratio p95', formatRatio(e2e.p95 / directStats.p95)],
      ...(targetRatio === undefined
        ? []
        : ([
            ['target', `ratio ≤ ${formatRatio(targetRatio)}${targetAt === 'p50' ? ' at p50' : ''}`],
            [
              'met',
              formatMet(
                e2e.p50 / directStats.p50 <= targetRatio &&
                  (targetAt === 'p50' || e2e.p95 / directStats.p95 <= targetRatio),
              ),
            ],
          ] as const)),
    ]),
  };
}

export const ratesLatencySection: BenchSection = {
  name: 'rates latency',
  async run(context) {
    const rows: BenchRow[] = [];
    for (const ratesCase of RATES_CASES) {
      context.progress(
        `measuring ${ratesCase.name} (${context.warmup} warm-up + ${context.iterations} timed, each way)`,
      );
      rows.push(await measureCase(context, ratesCase));
    }
    return rows;
  },
};
