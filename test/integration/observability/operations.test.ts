/**
 * What operators see of a running service: liveness and readiness, Prometheus metrics, and request ids
 * carried from the caller's header into the response and the logs.
 */
import { Readiness } from '../../../src/observability/health';
import { operationLabel } from '../../../src/observability/metrics';
import { requestIdOf } from '../../../src/observability/request-id';
import { captureLog, startTestService, type CapturedLog, type TestService } from '../../helpers/components';

let service: TestService;
let captured: CapturedLog;

beforeAll(async () => {
  captured = captureLog('info');
  service = await startTestService({}, captured.log);
});
afterAll(async () => {
  await service?.stop();
});

async function metrics(): Promise<string> {
  const response = await fetch(`${service.running.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, nameAndLabels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${nameAndLabels} `));
  return line === undefined ? undefined : Number(line.slice(nameAndLabels.length + 1));
}

describe('liveness and readiness', () => {
  it('answers /livez and /readyz with 200 while both stores answer', async () => {
    expect(await service.get('/livez')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await service.get('/readyz')).toEqual({
      status: 200,
      body: {
        status: 'ready',
        ready: true,
        shuttingDown: false,
        checks: { operational: 'ok', analytics: 'ok', replication: 'ok' },
      },
    });
    expect((await service.get('/healthz')).status).toBe(200);
  });

  it('reports not ready once shutdown began, and names a check that failed or timed out', async () => {
    const readiness = new Readiness(
      [
        { name: 'fine', check: () => Promise.resolve() },
        { name: 'slow', check: () => new Promise((resolve) => setTimeout(resolve, 1_000)) },
      ],
      50,
    );
    expect(await readiness.report()).toEqual({
      ready: false,
      shuttingDown: false,
      checks: { fine: 'ok', slow: 'no answer within 50 ms' },
    });
    const healthy = new Readiness([{ name: 'fine', check: () => Promise.resolve() }], 1_000);
    expect((await healthy.report()).ready).toBe(true);
    healthy.beginShutdown();
    expect(await healthy.report()).toMatchObject({ ready: false, shuttingDown: true });
  });
});

describe('/metrics', () => {
  it('times GraphQL operations by name, with anonymous operations named so', async () => {
    await service.graphql('query Locations { port(code: "CNSGH") { name } }');
    await service.graphql('{ regions { slug } }');
    const text = await metrics();
    expect(
      sample(
        text,
        'rateline_graphql_operation_duration_seconds_count{operation="Locations",type="query",outcome="ok"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        text,
        'rateline_graphql_operation_duration_seconds_count{operation="anonymous",type="query",outcome="ok"}',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('labels names that are not the known operations `other`: junk names create no label', async () => {
    for (let i = 0; i < 5; i++) await service.graphql(`query Junk${i} { regions { slug } }`);
    const text = await metrics();
    expect(text).not.toMatch(/operation="Junk/);
    expect(
      sample(text, 'rateline_graphql_operation_duration_seconds_count{operation="other",type="query",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(5);
  });

  it('counts accepted prices and batch outcomes, and exports replication lag and process metrics', async () => {
    const before = sample(await metrics(), 'rateline_prices_accepted_total') ?? 0;
    const submit = await service.graphql(
      `mutation Submit($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id status } }`,
      {
        input: {
          idempotencyKey: 'metrics-1',
          items: [
            { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2021-01-01', price: 100 },
            { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2021-01-02', price: 200 },
          ],
        },
      },
    );
    expect(submit.errors).toBeUndefined();
    const text = await metrics();
    expect(sample(text, 'rateline_prices_accepted_total')).toBe(before + 2);
    expect(sample(text, 'rateline_batches_total{outcome="accepted"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'rateline_replication_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'rateline_replication_status_up')).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('bounds the operation label to the known operation names', () => {
    expect(operationLabel(undefined)).toBe('anonymous');
    expect(operationLabel(null)).toBe('anonymous');
    expect(operationLabel('x'.repeat(65))).toBe('other');
    expect(operationLabel('NeverSeenBefore')).toBe('other');
    for (const known of ['Rates', 'Series', 'SubmitPrices', 'BatchStatus', 'Analysis', 'Locations']) {
      expect(operationLabel(known)).toBe(known);
    }
  });
});

describe('request ids', () => {
  it('echoes an acceptable X-Request-Id and logs errors of that request with it', async () => {
    const response = await fetch(`${service.running.url}/rates?origin=CNSGH`, {
      headers: { 'X-Request-Id': 'client-chosen-42' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('client-chosen-42');
    const graphql = await fetch(`${service.running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Request-Id': 'trace-me-7' },
      body: JSON.stringify({ query: '{ port(code: "CNSGH") { name } }' }),
    });
    expect(graphql.headers.get('x-request-id')).toBe('trace-me-7');
  });

  it('replaces a missing, overlong or unsafe id with a fresh one', async () => {
    const response = await fetch(`${service.running.url}/livez`, { headers: { 'X-Request-Id': 'a b\tc' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf('x'.repeat(129))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(['first-id', 'second'])).toBe('first-id');
    expect(requestIdOf('abc-DEF_1.2:3')).toBe('abc-DEF_1.2:3');
  });

  it("carries the request id into the request's log lines", async () => {
    // A resolver failing unexpectedly logs through the request's logger; a store failure is the simplest.
    const analytics = service.running.stores.analytics.totals as { dailyPriceTotals?: unknown };
    // An own property shadows the store's method until it is deleted again.
    analytics.dailyPriceTotals = () => Promise.reject(new Error('boom for the test'));
    try {
      const response = await fetch(`${service.running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Request-Id': 'failing-request-1' },
        body: JSON.stringify({
          query:
            '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-02") { day } }',
        }),
      });
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      delete analytics.dailyPriceTotals;
    }
    const line = captured.lines().find((l) => l.msg === 'unexpected error while answering GraphQL');
    expect(line).toMatchObject({ requestId: 'failing-request-1', service: 'rateline' });
    expect(JSON.stringify(line)).toContain('boom for the test');
  });
});
