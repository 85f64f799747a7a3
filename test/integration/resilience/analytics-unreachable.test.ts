/**
 * ClickHouse unreachable: CLICKHOUSE_URL names a port on 127.0.0.1 where nothing listens. The service
 * still starts; analytics answer ANALYTICS_UNAVAILABLE (GraphQL and REST), writes keep being
 * acknowledged, /readyz says not ready, and the in-process replicator retries with a growing backoff.
 */
import { captureLog, startTestService, type CapturedLog, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { freePort } from '../../helpers/processes';

let service: TestService;
let captured: CapturedLog;

beforeAll(async () => {
  const deadPort = await freePort();
  captured = captureLog('info');
  service = await startTestService(
    {
      CLICKHOUSE_URL: `http://127.0.0.1:${deadPort}`,
      CLICKHOUSE_REQUEST_TIMEOUT_MS: '1000',
      READINESS_TIMEOUT_MS: '1000',
    },
    captured.log,
  );
}, 120_000);
afterAll(async () => {
  await service?.stop();
});

const RATES = '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-03") { day } }';

describe('with ClickHouse unreachable', () => {
  it('answers analytical queries with ANALYTICS_UNAVAILABLE', async () => {
    const rates = await service.graphql(RATES);
    expect(rates.data).toBeNull();
    expect(rates.errors?.[0]?.extensions?.code).toBe('ANALYTICS_UNAVAILABLE');
    expect(rates.errors?.[0]?.message).toMatch(/unavailable/i);
    const replication = await service.graphql('{ replication { lagMs } }');
    expect(replication.errors?.[0]?.extensions?.code).toBe('ANALYTICS_UNAVAILABLE');
    // Reference data come from the operational store and still answer.
    const port = await service.graphql<{ port: { code: string } }>('{ port(code: "CNSGH") { code } }');
    expect(port.data?.port.code).toBe('CNSGH');
  });

  it('answers REST with 503 and the same code', async () => {
    const response = await fetch(
      `${service.running.url}/rates?origin=CNSGH&destination=NLRTM&date_from=2016-01-01&date_to=2016-01-03`,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('ANALYTICS_UNAVAILABLE');
  });

  it('keeps acknowledging writes', async () => {
    const submit = await service.graphql<{ submitPriceBatch: { status: string; acceptedCount: number } }>(
      `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { status acceptedCount } }`,
      {
        input: {
          idempotencyKey: 'while-analytics-down',
          items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2022-05-01', price: 1234 }],
        },
      },
    );
    expect(submit.errors).toBeUndefined();
    expect(submit.data?.submitPriceBatch).toEqual({ status: 'ACCEPTED', acceptedCount: 1 });
  });

  it('says not ready on /readyz (naming analytics) while alive on /livez', async () => {
    expect(await service.get('/readyz')).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        ready: false,
        shuttingDown: false,
        checks: { operational: 'ok', analytics: 'ANALYTICS_UNAVAILABLE', replication: 'ok' },
      },
    });
    expect((await service.get('/livez')).status).toBe(200);
  });

  it('counts store errors in /metrics', async () => {
    const text = await (await fetch(`${service.running.url}/metrics`)).text();
    expect(text).toMatch(
      /rateline_store_errors_total\{store="analytics",operation="[a-zA-Z]+",kind="unavailable"\} \d+/,
    );
    expect(text).toMatch(/rateline_replication_failures_total [1-9]/);
    expect(text).toContain('rateline_replication_status_up 0');
  });

  it('has the replicator retry with a growing, capped backoff, logging each failed attempt once', async () => {
    // 100 + 200 + 400 + 800 ms of backoff: the fifth attempt has failed well within 5 s of the start.
    const retries = () => captured.lines().filter((l) => l.msg === 'replication failed; retrying after a backoff');
    await eventually(retries, (seen) => seen.length >= 5, {
      what: 'five failed replication attempts',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const delays = retries().map((l) => l.retryInMs as number);
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 800, 1600]);
    expect(retries().map((l) => l.attempt)).toEqual(delays.map((_, i) => i + 1));
    expect(retries()[0]).toMatchObject({ level: 50, err: expect.objectContaining({ code: 'ANALYTICS_UNAVAILABLE' }) });
    expect(JSON.stringify(retries()[0])).toContain('ECONNREFUSED');
    expect(captured.lines().some((l) => String(l.msg).startsWith('analytics unavailable at start'))).toBe(true);
  });
});
