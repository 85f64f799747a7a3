/**
 * HTTP caching of analytical answers: GET /rates, the CSV exports and GraphQL over GET (automatic
 * persisted queries) carry an ETag, `Cache-Control: public, no-cache` and the data's time, answer a
 * matching If-None-Match with 304, and a new batch changes the ETag.
 */
import { createHash } from 'node:crypto';
import { startTestService, type TestService } from '../../helpers/components';
import { addOnePriceAndWaitUntilReplicated } from '../../helpers/service-batches';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ REPLICATION_FLUSH_INTERVAL_MS: '20' });
});
afterAll(() => service?.stop());

const RATES = '/rates?date_from=2016-01-01&date_to=2016-01-03&origin=CNSGH&destination=NLRTM';
const RATES_CSV = '/export/rates.csv?origin=CNSGH&destination=NLRTM&date_from=2016-01-01&date_to=2016-01-03';
const SERIES_CSV =
  '/export/series.csv?origin=CNSGH&destination=NLRTM&date_from=2016-01-01&date_to=2016-01-31&granularity=week';
const QUERY =
  '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-03") { day priceCount } }';
const QUERY_HASH = createHash('sha256').update(QUERY).digest('hex');
/** Apollo's CSRF prevention lets a GET through with this header (a browser's simple request would not carry it). */
const PREFLIGHTED = { 'apollo-require-preflight': 'true' };

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${service.running.url}${path}`, { headers });

/**
 * A revalidation as a CDN sends it. Fetch itself would add `Cache-Control: no-cache` to a request with
 * If-None-Match (the Fetch standard's cache mode), which tells the server to answer in full.
 */
const revalidate = (path: string, etag: string, headers: Record<string, string> = {}) =>
  get(path, { ...headers, 'if-none-match': etag, 'cache-control': 'max-age=0' });

const persistedGet = (withQuery: boolean) => {
  const params = new URLSearchParams({
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: QUERY_HASH } }),
    ...(withQuery ? { query: QUERY } : {}),
  });
  return `/graphql?${params.toString()}`;
};

describe.each([
  ['GET /rates', RATES, {}],
  ['GET /export/rates.csv', RATES_CSV, {}],
  ['GET /export/series.csv', SERIES_CSV, {}],
  ['a persisted GraphQL query over GET', persistedGet(true), PREFLIGHTED],
])('%s', (_name, path, headers: Record<string, string>) => {
  it('sends an ETag that must be revalidated, and when its data was complete', async () => {
    const response = await get(path, headers);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^W\/".+"$/);
    expect(response.headers.get('cache-control')).toBe('public, no-cache');
    const asOf = Date.parse(response.headers.get('rateline-data-as-of') ?? '');
    expect(asOf).toBeLessThanOrEqual(Date.now());
    expect(asOf).toBeGreaterThan(Date.now() - 10 * 60_000);
  });

  it('answers a matching If-None-Match with 304 and no body, and a new batch with a new ETag', async () => {
    const first = await get(path, headers);
    const etag = first.headers.get('etag')!;
    const again = await revalidate(path, etag, headers);
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await addOnePriceAndWaitUntilReplicated(service, '2016-01-02');
    const changed = await revalidate(path, etag, headers);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

describe('automatic persisted queries over GET', () => {
  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, then the query by its hash alone once it was sent', async () => {
    const otherQuery =
      '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-04", dateTo: "2016-01-05") { day } }';
    const hash = createHash('sha256').update(otherQuery).digest('hex');
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } });
    const byHash = `/graphql?${new URLSearchParams({ extensions }).toString()}`;
    const unknown = (await (await get(byHash, PREFLIGHTED)).json()) as {
      errors?: { extensions?: { code?: string } }[];
    };
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await get(
      `/graphql?${new URLSearchParams({ extensions, query: otherQuery }).toString()}`,
      PREFLIGHTED,
    );
    expect(registered.status).toBe(200);
    const answered = (await (await get(byHash, PREFLIGHTED)).json()) as {
      data?: { rates: { day: string }[] };
      extensions?: { dataAsOf?: string };
    };
    expect(answered.data?.rates.map((d) => d.day)).toEqual(['2016-01-04', '2016-01-05']);
    expect(Date.parse(answered.extensions?.dataAsOf ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a hash that does not match the query sent with it', async () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } });
    const response = await get(`/graphql?${new URLSearchParams({ extensions, query: QUERY }).toString()}`, PREFLIGHTED);
    expect(response.status).toBe(400);
  });
});

describe('an answer read from analytics over POST', () => {
  it('says when its data was complete in extensions.dataAsOf and the header, and is not marked cacheable', async () => {
    const response = await fetch(`${service.running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await response.json()) as { extensions?: { dataAsOf?: string } };
    expect(body.extensions?.dataAsOf).toBe(response.headers.get('rateline-data-as-of'));
    expect(Date.parse(body.extensions?.dataAsOf ?? '')).toBeLessThanOrEqual(Date.now());
    expect(response.headers.get('cache-control')).toBeNull();
  });

  it('a question that reads no analytics carries no dataAsOf', async () => {
    const body = (await (
      await fetch(`${service.running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ regions(first: 1) { slug } }' }),
      })
    ).json()) as { extensions?: unknown };
    expect(body.extensions).toBeUndefined();
  });
});
