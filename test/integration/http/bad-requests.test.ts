/**
 * Requests the client got wrong at the HTTP level (no such route, a method a route does not take, a
 * charset or content encoding the service does not read, a subscription sent over HTTP): each answers a
 * 4xx JSON error with a code, quickly, and is logged as a warning without a stack, never as a 500.
 */
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

interface ErrorAnswer {
  readonly error?: { readonly code: string; readonly message: string };
  readonly errors?: readonly { readonly message: string; readonly extensions: { readonly code: string } }[];
}

const codeOf = (body: ErrorAnswer): string | undefined => body.error?.code ?? body.errors?.[0]?.extensions.code;

const QUERY = JSON.stringify({ query: '{ regions { slug } }' });

const cases: readonly [string, string, RequestInit, number, string][] = [
  ['an unknown route', '/nothing-here', {}, 404, 'NOT_FOUND'],
  ['an unknown route below a known one', '/rates/more', {}, 404, 'NOT_FOUND'],
  ['DELETE on /graphql', '/graphql', { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED'],
  ['PUT on /dashboard', '/dashboard', { method: 'PUT' }, 405, 'METHOD_NOT_ALLOWED'],
  ['POST on /rates', '/rates', { method: 'POST', body: '{}' }, 405, 'METHOD_NOT_ALLOWED'],
  [
    'a latin1 JSON body',
    '/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: QUERY },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a zstd-encoded body',
    '/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      body: QUERY,
    },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a subscription sent by POST',
    '/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'subscription { batchProgress(id: "b1") { status } }' }),
    },
    400,
    'BAD_REQUEST',
  ],
];

describe('requests wrong at the HTTP level', () => {
  it.each(cases)('%s answers its 4xx code as JSON in under 1 s', async (_name, path, init, status, code) => {
    const before = captured.lines().length;
    const started = Date.now();
    const response = await fetch(`${service.running.url}${path}`, init);
    const body = (await response.json()) as ErrorAnswer;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(codeOf(body)).toBe(code);
    if (status === 405) expect(response.headers.get('allow')).toMatch(/GET/);
    const logged = captured.lines().slice(before);
    expect(logged.filter((line) => Number(line.level) >= 50)).toEqual([]);
    const warning = logged.find((line) => line.level === 40);
    expect(warning).toMatchObject({ code, status });
    expect(JSON.stringify(warning)).not.toMatch(/"stack"/);
  });
});
