import type { Granularity } from '../../src/domain/period';
import { LocationsService } from '../../src/locations';
import {
  laneStatisticsQuery,
  periodPriceStatisticsQuery,
  type LaneOrder,
  type LaneStatisticsRow,
  type PeriodPriceStatisticsRow,
} from '../../src/stores/analytics';
import type { BenchContext, BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { measureWith, type CaseRunner } from './rates-latency';
import type { BenchRow } from './stats';

/**
 * `rateSeries` and `laneStats` latency end to end (GraphQL over HTTP, as for rates) against the same
 * ClickHouse query issued directly with the locations already resolved.
 */

interface AnalysisCase {
  readonly name: string;
  readonly origin: string;
  readonly destination: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly excludeOutliers: boolean;
  readonly series?: { readonly granularity: Granularity };
  readonly lanes?: { readonly orderBy: LaneOrder; readonly first: number };
}

const YEAR = { origin: 'china_main', destination: 'north_europe_main', dateFrom: '2019-01-01', dateTo: '2019-12-31' };

export const ANALYSIS_CASES: readonly AnalysisCase[] = [
  {
    name: 'rateSeries region → region, 1 year, weekly',
    ...YEAR,
    excludeOutliers: false,
    series: { granularity: 'WEEK' },
  },
  {
    name: 'rateSeries region → region, 1 year, weekly, no outliers',
    ...YEAR,
    excludeOutliers: true,
    series: { granularity: 'WEEK' },
  },
  {
    name: 'laneStats region → region, 1 year, top 10 by volatility',
    ...YEAR,
    excludeOutliers: false,
    lanes: { orderBy: 'VOLATILITY', first: 10 },
  },
];

const SERIES_QUERY = `query Series($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
                                    $granularity: Granularity!, $excludeOutliers: Boolean) {
  rateSeries(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
             granularity: $granularity, excludeOutliers: $excludeOutliers) {
    outliersExcluded
    periods { periodStart averagePrice minPrice maxPrice p25 median p75 priceCount }
  }
}`;

const LANES_QUERY = `query Lanes($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!,
                                  $orderBy: LaneStatsOrder, $first: Int, $excludeOutliers: Boolean) {
  laneStats(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo,
            orderBy: $orderBy, first: $first, excludeOutliers: $excludeOutliers) {
    origin { code } destination { code } priceCount averagePrice minPrice maxPrice stddevPrice volatility
  }
}`;

interface GraphqlAnswer {
  readonly data?: {
    readonly rateSeries?: { readonly periods: readonly { readonly priceCount: number }[] };
    readonly laneStats?: readonly { readonly priceCount: number }[];
  } | null;
  readonly errors?: readonly { readonly message: string }[];
}

async function runnerFor(
  context: BenchContext,
  c: AnalysisCase,
  client: BenchGraphqlClient,
): Promise<{ runner: CaseRunner; pricesInRange: number }> {
  const { running, direct, config } = context;
  const locations = new LocationsService(running.stores.operational.referenceData);
  const [origin, destination] = await Promise.all([locations.resolve(c.origin), locations.resolve(c.destination)]);
  if (!origin || !destination) throw new Error(`${c.name}: unknown location`);
  const params = { origins: origin.portCodes, destinations: destination.portCodes, from: c.dateFrom, to: c.dateTo };
  const countResult = await direct.query({
    query: `SELECT count() AS n FROM ${config.clickhouse.database}.prices
             WHERE origin_code IN {origins:Array(String)} AND destination_code IN {destinations:Array(String)}
               AND day BETWEEN {from:Date} AND {to:Date}`,
    query_params: params,
    format: 'JSONEachRow',
  });
  const [count] = await countResult.json<{ n: number | string }>();
  const pricesInRange = Number(count?.n ?? 0);
  const variables = {
    origin: c.origin,
    destination: c.destination,
    dateFrom: c.dateFrom,
    dateTo: c.dateTo,
    excludeOutliers: c.excludeOutliers,
  };
  const post = async (query: string, extra: Record<string, unknown>): Promise<GraphqlAnswer> => {
    const response = await client.post(JSON.stringify({ query, variables: { ...variables, ...extra } }));
    const json = response.json as GraphqlAnswer;
    if (response.status !== 200 || json.errors?.length) {
      throw new Error(`${c.name}: HTTP ${response.status} ${JSON.stringify(json.errors ?? json)}`);
    }
    return json;
  };
  const sum = (rows: readonly { readonly priceCount: number }[]): number => rows.reduce((s, r) => s + r.priceCount, 0);

  if (c.series) {
    const { granularity } = c.series;
    const query = periodPriceStatisticsQuery(config.clickhouse.database, granularity, c);
    return {
      pricesInRange,
      runner: {
        e2e: async () => sum((await post(SERIES_QUERY, { granularity })).data?.rateSeries?.periods ?? []),
        direct: async () => {
          const result = await direct.query({ query, query_params: params, format: 'JSON' });
          return sum((await result.json<PeriodPriceStatisticsRow>()).data);
        },
      },
    };
  }
  if (c.lanes) {
    const { orderBy, first } = c.lanes;
    const query = laneStatisticsQuery(config.clickhouse.database, { orderBy, excludeOutliers: c.excludeOutliers });
    return {
      pricesInRange,
      runner: {
        e2e: async () => sum((await post(LANES_QUERY, { orderBy, first })).data?.laneStats ?? []),
        direct: async () => {
          const result = await direct.query({ query, query_params: { ...params, limit: first }, format: 'JSON' });
          return sum((await result.json<LaneStatisticsRow>()).data);
        },
      },
    };
  }
  throw new Error(`${c.name}: neither a series nor a lanes case`);
}

export const analysisLatencySection: BenchSection = {
  name: 'analysis latency',
  async run(context) {
    const rows: BenchRow[] = [];
    for (const c of ANALYSIS_CASES) {
      context.progress(`measuring ${c.name} (${context.warmup} warm-up + ${context.iterations} timed, each way)`);
      const client = new BenchGraphqlClient(`${context.running.url}/graphql`, context.apiKey);
      try {
        const { runner, pricesInRange } = await runnerFor(context, c, client);
        rows.push(await measureWith(context, c.name, runner, { pricesInRange }));
      } finally {
        client.close();
      }
    }
    return rows;
  },
};
