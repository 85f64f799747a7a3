/**
 * The GraphQL playground in a real browser (Debian's chromium): GraphiQL loads from Rateline alone, with
 * every request to another host blocked and recorded, and runs the preloaded rates example.
 */
import { cspViolations, openBrowser, saveScreenshot, type BrowserSession } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';
import { expectedGraphqlRates } from '../../helpers/reference-answers';

let service: TestService;
let browser: BrowserSession;
beforeAll(async () => {
  service = await startTestService();
  browser = await openBrowser({ width: 1280, height: 1600 });
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the playground at GET /graphql', () => {
  it('is GraphiQL, served by Rateline with nothing from another host', async () => {
    const { page } = browser;
    const response = await page.goto(`${service.running.url}/graphql`);
    expect(response?.status()).toBe(200);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    // Monaco's editors are up once the query editor shows the example's text.
    await page.getByText('query Rates').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.graphiql-tab-button').allInnerTexts()).toEqual([
      'Rates',
      'FilteredRates',
      'Series',
      'SubmitPrices',
      'BatchStatus',
    ]);
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('runs the rates example and shows the numbers', async () => {
    const { page } = browser;
    await page.locator('.graphiql-tab-button', { hasText: /^Rates$/ }).click();
    const [answer] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.url().endsWith('/graphql') &&
          r.request().method() === 'POST' &&
          r.request().postData()?.includes('query Rates') === true,
      ),
      page.locator('.graphiql-execute-button').click(),
    ]);
    const expected = expectedGraphqlRates('CNSGH', 'north_europe_main', '2016-01-01', '2016-01-10');
    // The answer also says when its data was complete (the answer cache's dataAsOf).
    expect(await answer.json()).toEqual({ data: { rates: expected }, extensions: { dataAsOf: expect.any(String) } });
    const pane = page.locator('.graphiql-response');
    await pane.getByText('1111.92').waitFor();
    // Monaco draws only the lines in view; the viewport is tall enough for the first days.
    const shown = (await pane.innerText()).replace(/\u00a0/g, ' ');
    for (const day of expected.slice(0, 5)) {
      expect(shown).toContain(`"day": "${day.day}"`);
      expect(shown).toContain(`"averagePrice": ${day.averagePrice === null ? 'null' : String(day.averagePrice)}`);
      expect(shown).toContain(`"priceCount": ${day.priceCount}`);
    }
    await saveScreenshot(page, 'playground-rates');
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('preloads the batch examples with the API key header, and shows the schema docs', async () => {
    const { page } = browser;
    await page.locator('.graphiql-tab-button', { hasText: 'SubmitPrices' }).click();
    await page.getByText('mutation SubmitPrices').first().waitFor();
    await page.getByRole('button', { name: 'Headers' }).click();
    await page.getByText('"Authorization": "Bearer <your API key>"').first().waitFor();

    await page.locator('.graphiql-tab-button', { hasText: 'BatchStatus' }).click();
    await page.getByText('query BatchStatus($id: ID!)').first().waitFor();

    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).first().click();
    await docs.getByText('rateSeries').first().waitFor();
    await docs.getByText('laneStats').first().waitFor();
    await saveScreenshot(page, 'playground-docs');
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('leaves GraphQL over GET and POST as it was', async () => {
    const get = await fetch(`${service.running.url}/graphql?query=${encodeURIComponent('{ ports { code } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: { ports: unknown[] } }).data.ports).toHaveLength(143);
    const browserGetWithQuery = await fetch(
      `${service.running.url}/graphql?query=${encodeURIComponent('{ ports { code } }')}`,
      {
        headers: { accept: 'text/html', 'apollo-require-preflight': 'true' },
      },
    );
    expect(browserGetWithQuery.headers.get('content-type')).not.toMatch(/text\/html/);
    const post = await service.graphql<{ ports: unknown[] }>('{ ports { code } }');
    expect(post.data!.ports).toHaveLength(143);
  });

  it('serves its assets itself, and 404s for assets it does not have', async () => {
    const html = await (await fetch(`${service.running.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const missing = await fetch(`${service.running.url}/assets/playground/nothing.js`);
    expect(missing.status).toBe(404);
  });

  it('would notice a request to another host (the guard itself can fail)', async () => {
    const { page } = browser;
    // From a page without the playground's content security policy, which would block the fetch itself.
    await page.goto('about:blank');
    const before = browser.outsideRequests.length;
    await page.evaluate(`fetch('http://example.com/probe.js').then(() => 'loaded', () => 'blocked')`);
    expect(browser.outsideRequests.slice(before)).toEqual(['http://example.com/probe.js']);
    browser.outsideRequests.splice(before);
  });
});
