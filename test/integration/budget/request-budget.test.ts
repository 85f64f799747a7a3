/**
 * The time budget of a request (QUERY_TIMEOUT_MS), cancellation when its client goes away, and /readyz
 * while the analytics engine is saturated: the service in-process on real chDB, with enough synthetic
 * prices on one lane that a 10-year `ratesWithScope(excludeOutliers: true)` takes seconds for real.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { dailyTotalsWithoutOutliersQuery } from '../../../src/stores/analytics/clickhouse/sql';
import { openChdbClient, startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

const BUDGET_MS = 2_000;
/**
 * What "within the budget" allows on top of it: the kill, the error's way out, a loaded machine. Every
 * bound below sits halfway or further from what the broken behaviour would take (the slow query alone
 * needs more than twice the budget, see the first test), so that a loaded CI machine does not decide.
 */
const MARGIN_MS = 1_000;
const SATURATION_WAIT_MS = 500;
const SYNTHETIC_PRICES = 20_000_000;

const SLOW = `{ ratesWithScope(origin: "CNSGH", destination: "NLRTM", dateFrom: "2010-01-01", dateTo: "2019-12-31",
  fallback: PARENT_REGIONS, excludeOutliers: true) { outliersExcluded days { priceCount } } }`;
const SLOW_CSV =
  '/export/rates.csv?origin=CNSGH&destination=NLRTM&date_from=2010-01-01&date_to=2019-12-31' +
  '&fallback=parent_regions&exclude_outliers=true';
const SMALL = '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-03") { day } }';

let service: TestService;
let raw: ClickHouseClient;

beforeAll(async () => {
  service = await startTestService({
    // What is under test is the engine's work: answers found in the cache (the small query asked
    // again, twenty identical aliases computed once) would never reach it.
    ANSWER_CACHE: 'off',
    QUERY_TIMEOUT_MS: String(BUDGET_MS),
    ANALYTICS_SATURATION_WAIT_MS: String(SATURATION_WAIT_MS),
  });
  // Written straight into the replica: 20 million prices through the API would take minutes, and the
  // replica's queries are what is under test. One lane, 2010..2019, about 5,500 prices a day.
  raw = openChdbClient(service.dataDir);
  await raw.command({
    query: `INSERT INTO rateline.prices (origin_code, destination_code, day, usd_cents, batch_id, item_index)
      SELECT 'CNSGH', 'NLRTM', toDate('2010-01-01') + intDiv(number, 5500), 100000 + cityHash64(number) % 50000,
             'synthetic', number
        FROM numbers(${SYNTHETIC_PRICES})`,
  });
}, 180_000);
afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

/** POST /graphql with `query`; `signal` aborts the request (the client goes away). */
function post(query: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${service.running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe('the slow query', () => {
  it('is slow for real: issued directly, it does not finish within twice the budget', async () => {
    const error = await raw
      .query({
        query: `${dailyTotalsWithoutOutliersQuery('rateline')} SETTINGS max_execution_time = ${(2 * BUDGET_MS) / 1000}`,
        query_params: { origins: ['CNSGH'], destinations: ['NLRTM'], from: '2010-01-01', to: '2019-12-31' },
        format: 'JSON',
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ type: 'TIMEOUT_EXCEEDED' });
  }, 30_000);
});

describe('a request whose budget runs out', () => {
  it('answers GraphQL with QUERY_TIMEOUT (HTTP 504) within the budget and a small margin', async () => {
    const { value: response, ms } = await timed(() => post(SLOW));
    const body = (await response.json()) as { data: unknown; errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TIMEOUT');
    expect(body.data).toBeNull();
    expect(response.status).toBe(504);
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
  });

  it('answers the CSV export with 504 and the same code', async () => {
    const { value: response, ms } = await timed(() => fetch(`${service.running.url}${SLOW_CSV}`));
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('QUERY_TIMEOUT');
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
  });

  it('stops the query in the engine: the next small query does not wait for the slow one to finish', async () => {
    const slowStarted = Date.now();
    expect((await post(SLOW)).status).toBe(504);
    const response = await post(SMALL);
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    // Left running, the slow query would hold the engine until more than twice the budget after it began.
    expect(Date.now() - slowStarted).toBeLessThan(2 * BUDGET_MS);
  });
});

describe('a client that goes away mid-query', () => {
  it('frees the engine: a following small query is answered promptly, not when the budget runs out', async () => {
    const client = new AbortController();
    const slowStarted = Date.now();
    const slow = post(SLOW, client.signal).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    expect(await slow).toMatchObject({ name: 'AbortError' });
    const response = await post(SMALL);
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    // Without cancelling, the small query would wait in line until the slow one hit its budget.
    expect(Date.now() - slowStarted).toBeLessThan(BUDGET_MS);
  });
});

describe('a request with many aliases', () => {
  it('does not keep another client waiting behind all of its reads', async () => {
    // Each alias reads a year of the lane (2 million prices); together they need longer than the budget.
    const aliases = Array.from(
      { length: 20 },
      (_, i) =>
        `a${i}: rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2012-01-01", dateTo: "2012-12-31") { priceCount }`,
    );
    const heavy = timed(() => post(`{ ${aliases.join('\n')} }`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Served in turns with the aliases: this waits for one of them at most (a twentieth of the heavy
    // request), not for all twenty; both measured in this run, under the same load.
    const { value: response, ms } = await timed(() => post(SMALL));
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    const { ms: heavyMs } = await heavy;
    expect(ms).toBeLessThan(heavyMs / 2);
  });
});

describe('readiness while the analytics engine is saturated', () => {
  it('answers /readyz 503 while queries wait past the threshold, and 200 again once they are gone', async () => {
    await eventually(
      () => service.get('/readyz'),
      (r) => r.status === 200,
      { what: '/readyz to answer 200 before the load', timeoutMs: 5_000 },
    );
    const load = Promise.all([post(SLOW), post(SLOW), post(SLOW)]);
    const saturated = await eventually(
      () => service.get('/readyz'),
      (r) => r.status === 503,
      { what: '/readyz to answer 503 while three slow queries queue', timeoutMs: 2 * BUDGET_MS },
    );
    expect(saturated.body).toMatchObject({ ready: false, checks: { analytics: expect.stringMatching(/saturated/) } });
    expect((await service.get('/healthz')).status).toBe(200);
    const answers = await load;
    expect(answers.map((r) => r.status)).toEqual([504, 504, 504]);
    await eventually(
      () => service.get('/readyz'),
      (r) => r.status === 200,
      { what: '/readyz to answer 200 once the queue drained', timeoutMs: 5_000 },
    );
  });
});
