/**
 * A frontend on another origin, in a real browser (Debian's chromium): a page served from an origin
 * listed in CORS_ORIGINS can query the API (the preflight of its JSON POST passes), a page from an
 * origin not listed cannot read anything.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openBrowser, type BrowserSession } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';

interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** A tiny page of its own on a free port of 127.0.0.1: another origin than the API's. */
async function servePage(): Promise<PageServer> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>frontend</title><p>a frontend on its own origin</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let listed: PageServer;
let unlisted: PageServer;
let service: TestService;
let browser: BrowserSession;
beforeAll(async () => {
  listed = await servePage();
  unlisted = await servePage();
  service = await startTestService({ CORS_ORIGINS: listed.origin });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await listed?.close();
  await unlisted?.close();
});

/** What the page at `origin` gets when it POSTs a query to the API with fetch. */
async function queryFrom(origin: string): Promise<unknown> {
  const { page } = browser;
  await page.goto(origin);
  return page.evaluate(async (api: string) => {
    try {
      const response = await fetch(`${api}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Locations { port(code: "CNSGH") { code name } }' }),
      });
      return { status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() };
    } catch (error) {
      return { failed: String(error) };
    }
  }, service.running.url);
}

describe('a frontend on another origin', () => {
  it('can query the API from an origin listed in CORS_ORIGINS', async () => {
    const answer = await queryFrom(listed.origin);
    expect(answer).toMatchObject({
      status: 200,
      requestId: expect.stringMatching(/.+/),
      body: { data: { port: { code: 'CNSGH' } } },
    });
  });

  it('cannot from an origin that is not listed', async () => {
    const answer = await queryFrom(unlisted.origin);
    expect(answer).toEqual({ failed: expect.stringMatching(/Failed to fetch/) });
    expect(browser.pageErrors.join('\n')).toMatch(/CORS policy/);
  });
});
