/**
 * The analyst page against a service that requires API keys: without a key it shows the API's
 * UNAUTHENTICATED answer; with a read key typed in, it draws the lane and downloads the CSV with the
 * key in a header.
 */
import { hashApiKey } from '../../../src/auth';
import { cspViolations, openBrowser, type BrowserSession } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';

const READ_KEY = 'rl_dashboard-reader';
let service: TestService;
let browser: BrowserSession;
beforeAll(async () => {
  service = await startTestService({ API_KEYS: `analyst:read:${hashApiKey(READ_KEY).toString('hex')}` });
  browser = await openBrowser({ width: 1280, height: 900 });
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the analyst page when the service requires API keys', () => {
  it('asks for a key, then works with the one typed in', async () => {
    const { page } = browser;
    await page.goto(`${service.running.url}/dashboard`);
    await page.locator('body[data-state=error]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').innerText()).toMatch(/UNAUTHENTICATED/);

    await page.locator('input[name=apiKey]').fill(READ_KEY);
    await page.locator('input[name=apiKey]').dispatchEvent('change');
    await page.locator('body[data-state=ready]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').innerText()).toMatch(/prices in 31 periods/);
    await page.waitForFunction("document.querySelectorAll('#locations option').length === 163");

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    const path = await download.path();
    const csv = (await import('node:fs')).readFileSync(path, 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^period_start,/);
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });
});
