/**
 * Rate and concurrency limits per API key on the data routes (/graphql, /rates, /export), in memory and
 * shared through a real redis-server by two service instances; the operations routes are never limited.
 */
import http from 'node:http';
import { hashApiKey } from '../../../src/auth';
import { startRateline, type RunningRateline } from '../../../src/app/rateline';
import { captureLog, silentLog, startTestService, testConfig, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { startRedis, type RunningRedis } from '../../helpers/redis';

const KEYS = { alpha: 'alpha-key-0123456789', beta: 'beta-key-0123456789', gamma: 'gamma-key-0123456789' };
const API_KEYS = Object.entries(KEYS)
  .map(([name, key]) => `${name}:read:${hashApiKey(key).toString('hex')}`)
  .join(',');
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const RATES = '/rates?origin=CNSGH&destination=NLRTM&date_from=2016-01-01&date_to=2016-01-02';
const EXPORT = '/export/rates.csv?origin=CNSGH&destination=NLRTM&date_from=2016-01-01&date_to=2016-01-02';
// 1 a second and 10 more a minute: 11 requests fired at once pass, and 1 more each second the test
// takes (the sustained rate's window is one second, so a slow machine may see one or two more).
const TIGHT_RATE = { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10', RATE_LIMIT_CONCURRENT_REQUESTS: '100' };
const ALLOWED_AT_ONCE = 11;
const SLOW_MACHINE_SECONDS = 3;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
}

async function request(base: string, pathAndQuery: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${base}${pathAndQuery}`, { headers });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
}

/** Fires the requests at once, each at its own (base, path), and answers in the same order. */
const atOnce = (targets: readonly (readonly [string, string])[], key: string): Promise<Answer[]> =>
  Promise.all(targets.map(([base, path]) => request(base, path, bearer(key))));

const statuses = (answers: readonly Answer[]) => answers.map((a) => a.status).sort();
const accepted = (answers: readonly Answer[]) => answers.filter((a) => a.status === 200).length;

/** Some were refused, every other one answered, and the caller got its allowance (give or take the clock). */
function expectLimited(answers: readonly Answer[]): void {
  expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  expect(accepted(answers)).toBeGreaterThanOrEqual(ALLOWED_AT_ONCE);
  expect(accepted(answers)).toBeLessThanOrEqual(ALLOWED_AT_ONCE + SLOW_MACHINE_SECONDS);
}
/** With API keys, /metrics is served on METRICS_PORT only. */
const scrape = (running: RunningRateline): Promise<Answer> =>
  request(`http://127.0.0.1:${running.operationsPort}`, '/metrics', {});
const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe('in memory', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ API_KEYS, ...TIGHT_RATE, METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('answers 429 with Retry-After and RATE_LIMITED to a key over its rate, and not to another key', async () => {
    const base = service.running.url;
    const answers = await atOnce(times(20, [base, RATES] as const), KEYS.alpha);
    expectLimited(answers);
    const refused = answers.find((a) => a.status === 429)!;
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toEqual({
      error: expect.objectContaining({ code: 'RATE_LIMITED', message: expect.stringContaining('RATE_LIMIT') }),
    });

    // Every data route counts against the same key (of three at once, a new second may admit one).
    const graphql = await Promise.all(
      times(3, () =>
        fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(KEYS.alpha) },
          body: JSON.stringify({ query: '{ ports { code } }' }),
        }),
      ).map((send) => send()),
    );
    const refusedGraphql = graphql.find((response) => response.status === 429)!;
    expect(refusedGraphql.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refusedGraphql.json()).toEqual({
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) })],
    });
    const exports = await atOnce(times(3, [base, EXPORT] as const), KEYS.alpha);
    expect(exports.map((a) => a.status)).toContain(429);

    // Another key is unaffected.
    expect((await request(base, RATES, bearer(KEYS.beta))).status).toBe(200);
    expect((await request(base, EXPORT, bearer(KEYS.beta))).status).toBe(200);

    const metrics = (await scrape(service.running)).body;
    expect(
      Number(/^rateline_rate_limited_total\{limit="RATE_LIMIT_PER_SECOND"\} (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
  });

  it('never limits the operations routes', async () => {
    const base = service.running.url;
    expect(statuses(await atOnce(times(20, [base, RATES] as const), KEYS.gamma))).toContain(429);
    for (const route of ['/healthz', '/livez', '/readyz']) {
      expect(statuses(await atOnce(times(8, [base, route] as const), KEYS.gamma))).toEqual(times(8, 200));
    }
  });
});

describe('concurrent requests', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ API_KEYS, RATE_LIMIT_CONCURRENT_REQUESTS: '1' });
  });
  afterAll(async () => {
    await service.stop();
  });

  /** A POST /graphql whose body is still arriving: in flight until `finish()` sends the rest. */
  function requestInFlight(key: string): { finish(): Promise<number> } {
    let rest = (): void => undefined;
    const body = JSON.stringify({ query: '{ ports { code } }' });
    const answered = new Promise<number>((resolve, reject) => {
      const req = http.request(`${service.running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...bearer(key) },
      });
      req.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 5));
      req.flushHeaders();
      rest = () => req.end(body.slice(5));
    });
    return {
      finish: () => {
        rest();
        return answered;
      },
    };
  }

  it('refuses a key its next request while its allowed ones are in flight, and no other key', async () => {
    const base = service.running.url;
    const slow = requestInFlight(KEYS.alpha);
    const refused = await eventually(
      () => request(base, RATES, bearer(KEYS.alpha)),
      (answer) => answer.status === 429,
      { what: 'a second concurrent request of the key to be refused' },
    );
    expect(JSON.parse(refused.body)).toEqual({
      error: expect.objectContaining({
        code: 'RATE_LIMITED',
        message: expect.stringContaining('RATE_LIMIT_CONCURRENT_REQUESTS'),
      }),
    });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await request(base, RATES, bearer(KEYS.beta))).status).toBe(200);
    expect(await slow.finish()).toBe(200);
    expect((await request(base, RATES, bearer(KEYS.alpha))).status).toBe(200);
  });
});

describe('shared through Redis', () => {
  let redis: RunningRedis;
  let first: TestService;
  // A second instance in this process over the first one's stores (chDB allows one directory per
  // process): what it shares with the first through Redis is all this test looks at.
  let second: RunningRateline;
  const firstLog = captureLog('info');
  beforeAll(async () => {
    redis = await startRedis();
    const env = { API_KEYS, ...TIGHT_RATE, REDIS_URL: redis.url, METRICS_PORT: '0' };
    first = await startTestService(env, firstLog.log);
    second = await startRateline(
      testConfig(first.dataDir, { ...env, REPLICATOR_IN_PROCESS: 'false', WORKER_IN_PROCESS: 'false' }),
      silentLog,
    );
  });
  afterAll(async () => {
    await second?.close();
    await first?.stop();
    await redis?.stop();
  });

  it('counts a key once across instances; another key is unaffected', async () => {
    const [a, b] = [first.running.url, second.url];
    // Ten requests to each instance: alone, neither would refuse any (each allows 11), so the count of
    // those accepted, at most 11 and a few seconds' worth, is the two instances' shared count.
    const answers = await atOnce(
      times(10, [a, b]).flatMap((pair) => pair.map((base) => [base, RATES] as const)),
      KEYS.alpha,
    );
    expectLimited(answers);
    expect((await request(b, RATES, bearer(KEYS.beta))).status).toBe(200);
    expect((await scrape(first.running)).body).toMatch(/^rateline_rate_limits_shared_up 1$/m);
  });

  it('keeps limiting each instance on its own while Redis does not answer, and says so once', async () => {
    await redis.stop();
    const base = first.running.url;
    expectLimited(await atOnce(times(20, [base, RATES] as const), KEYS.gamma));
    const metrics = (await scrape(first.running)).body;
    expect(metrics).toMatch(/^rateline_rate_limits_shared_up 0$/m);
    const warnings = firstLog.lines().filter((line) => Number(line.level) >= 40 && String(line.msg).includes('Redis'));
    expect(warnings).toHaveLength(1);
  });
});
