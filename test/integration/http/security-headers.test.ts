/**
 * What every answer tells browsers: helmet's security headers on all of them, a strict content security
 * policy (no framing, scripts from the service only), and CORS only for the origins in CORS_ORIGINS,
 * with Apollo's CSRF prevention still refusing requests a browser would send without a preflight.
 */
import { cspDirectives as directives } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';

const ALLOWED = 'http://127.0.0.1:5999';
const OTHER = 'http://127.0.0.1:5998';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ CORS_ORIGINS: `${ALLOWED}, https://rates.example.com` });
});
afterAll(async () => {
  await service?.stop();
});

const url = (path: string): string => `${service.running.url}${path}`;

describe('security headers', () => {
  it.each([
    ['GET /healthz', '/healthz', {}],
    [
      'a GraphQL answer',
      '/graphql?query=%7Bregions%7Bslug%7D%7D',
      { accept: 'application/json', 'apollo-require-preflight': 'true' },
    ],
    ['an unknown route', '/nothing-here', {}],
  ])('are on %s', async (_name, path, headers) => {
    const response = await fetch(url(path), { headers });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp['frame-ancestors']).toBe("'none'");
    expect(csp['script-src']).toBe("'self'");
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(url('/graphql'), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers the preflight of a listed origin with that origin, the methods and the headers', async () => {
    const response = await preflight(ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives an origin that is not listed no CORS header at all', async () => {
    const response = await preflight(OTHER);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(url('/graphql'), {
      method: 'POST',
      headers: { origin: OTHER, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ regions { slug } }' }),
    });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes the request id to a listed origin', async () => {
    const response = await fetch(url('/graphql'), {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ regions { slug } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
  });

  it.each([ALLOWED, OTHER])(
    "keeps Apollo's CSRF prevention: a request with no preflight from %s is refused",
    async (origin) => {
      const simpleGet = await fetch(url('/graphql?query=%7Bregions%7Bslug%7D%7D'), { headers: { origin } });
      expect(simpleGet.status).toBe(400);
      expect(await simpleGet.text()).toMatch(/CSRF/);
      const formPost = await fetch(url('/graphql'), {
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain' },
        body: JSON.stringify({ query: 'mutation { retractBatch(id: "b1") { id } }' }),
      });
      expect(formPost.status).toBe(400);
      expect(await formPost.text()).toMatch(/CSRF/);
    },
  );
});
