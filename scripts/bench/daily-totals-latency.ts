import { dailyPriceTotalsQuery, settingsClause } from '../../src/stores/analytics';
import type { BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { caseRunner, measureWith, type RatesCase } from './rates-latency';

/**
 * What the daily lane totals (the `daily_lane_totals` projection) buy: `rates` end to end, answered
 * from them, against the raw scan they replace, i.e. the same daily totals query issued directly with
 * projections off (`optimize_use_projections = 0`), interleaved as in the rates section. The brief's
 * case: region → region over one year at 100 million prices (`BENCH_PRICES=100000000`), end to end at
 * most a quarter of the raw scan at p50.
 */
const RAW_SCAN_CASE: RatesCase = {
  name: 'rates region → region, 1 year: e2e (daily totals) vs raw scan direct',
  origin: 'china_main',
  destination: 'north_europe_main',
  dateFrom: '2019-01-01',
  dateTo: '2019-12-31',
};

export const dailyTotalsLatencySection: BenchSection = {
  name: 'daily totals',
  async run(context) {
    context.progress(
      `measuring ${RAW_SCAN_CASE.name} (${context.warmup} warm-up + ${context.iterations} timed, each way)`,
    );
    const rawScan = `${dailyPriceTotalsQuery(context.config.clickhouse.database)}\n${settingsClause({ optimize_use_projections: 0 })}`;
    const client = new BenchGraphqlClient(`${context.running.url}/graphql`, context.apiKey);
    try {
      const runner = await caseRunner(context, RAW_SCAN_CASE, client, rawScan);
      return [await measureWith(context, RAW_SCAN_CASE.name, runner, { targetRatio: 0.25, targetAt: 'p50' })];
    } finally {
      client.close();
    }
  },
};
