/**
 * The analyst page's freight filters and spread in a real browser: prices of three kinds (40HC long
 * term, 40HC short term, 20DC long term) are submitted on one lane, and the page, filtered to one kind,
 * shows exactly the statistics of that kind's prices, computed here from the prices submitted.
 */
import type { Page } from 'playwright-core';
import { periodOf, quantileType7 } from '../../helpers/analysis-answers';
import { cspViolations, openBrowser, saveScreenshot, type BrowserSession } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';
import { submitAndWaitUntilReplicated } from '../../helpers/service-batches';

let service: TestService;
let browser: BrowserSession;

interface Submitted {
  readonly day: string;
  readonly cents: number;
  readonly containerType: string;
  readonly contractTerm: string;
}

const DAYS = Array.from({ length: 21 }, (_, i) => new Date(Date.UTC(2016, 0, 4 + i)).toISOString().slice(0, 10));
/** Weekly base prices of the 40HC long-term kind: its average rises 10 %, then falls 5 %. */
const WEEK_BASES = [200_000, 221_000, 209_450];
const submitted: Submitted[] = DAYS.flatMap((day, i) => [
  ...[0, 5_000, 10_000, 15_000, 20_000].map((step) => ({
    day,
    cents: WEEK_BASES[Math.floor(i / 7)]! + step,
    containerType: '40HC',
    contractTerm: 'LONG_TERM',
  })),
  ...[250_000, 255_000, 260_000].map((cents) => ({ day, cents, containerType: '40HC', contractTerm: 'SHORT_TERM' })),
  ...[120_000, 121_000, 122_000].map((cents) => ({ day, cents, containerType: '20DC', contractTerm: 'LONG_TERM' })),
]);

beforeAll(async () => {
  service = await startTestService();
  await submitAndWaitUntilReplicated(
    service,
    submitted.map((p, i) => ({
      originCode: 'CNSGH',
      destinationCode: i % 2 === 0 ? 'DEHAM' : 'NLRTM',
      day: p.day,
      price: p.cents / 100,
      containerType: p.containerType,
      contractTerm: p.contractTerm,
    })),
  );
  browser = await openBrowser({ width: 1280, height: 1100 });
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

const usd = (cents: number): string => (Math.round(cents) / 100).toFixed(2);

/** The periods table as the page must show it, from the submitted prices of one kind. */
function expectedRows(containerType: string, contractTerm: string): string[][] {
  const starts = [...new Set(DAYS.map((d) => periodOf(d, 'WEEK')))];
  const averages: (number | null)[] = [];
  return starts.map((start, i) => {
    const cents = submitted
      .filter((p) => p.containerType === containerType && p.contractTerm === contractTerm)
      .filter((p) => periodOf(p.day, 'WEEK') === start)
      .map((p) => p.cents)
      .sort((a, b) => a - b);
    const average = cents.reduce((s, c) => s + c, 0) / cents.length;
    averages.push(average);
    const before = i === 0 ? null : averages[i - 1]!;
    const change =
      before === null ? '–' : `${average > before ? '+' : ''}${((average / before - 1) * 100).toFixed(2)} %`;
    return [
      start,
      usd(average),
      change,
      usd(quantileType7(cents, 0.025)),
      usd(quantileType7(cents, 0.25)),
      usd(quantileType7(cents, 0.5)),
      usd(quantileType7(cents, 0.75)),
      usd(quantileType7(cents, 0.975)),
      usd(cents[0]!),
      usd(cents.at(-1)!),
      String(cents.length),
      '0',
    ];
  });
}

async function tableRows(page: Page, selector: string): Promise<string[][]> {
  return (await page.locator(`${selector} tbody tr`).allInnerTexts()).map((row) =>
    row.split('\t').map((c) => c.trim()),
  );
}

/** Pixels of the price chart in the low–high band's orange: the band is drawn. */
async function bandPixels(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('#price-chart');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let orange = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > data[i + 2] + 40 && data[i + 3] > 0) orange += 1;
    return orange;
  })()`);
}

/** The variables of the page's next analysis request. */
async function analysisVariables(page: Page, action: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/graphql') && r.postData()?.includes('query Analysis') === true),
    action(),
  ]);
  return (request.postDataJSON() as { variables: Record<string, unknown> }).variables;
}

const LANE = 'origin=CNSGH&destination=north_europe_main&date_from=2016-01-04&date_to=2016-01-24';

describe('the analyst page’s freight filters and spread', () => {
  it('shows one kind of price, from a shared link, with the low–high band beside p25–p75', async () => {
    const { page } = browser;
    const shared = `${LANE}&granularity=WEEK&exclude_outliers=false&container_types=40HC&contract_term=LONG_TERM&band=BOTH`;
    const variables = await analysisVariables(page, () => page.goto(`${service.running.url}/dashboard?${shared}`));
    expect(variables).toMatchObject({ containerTypes: ['40HC'], contractTerm: 'LONG_TERM' });
    await page.locator('body[data-state=ready]').waitFor({ timeout: 30_000 });
    const ticked = `[...document.querySelectorAll('input[name=containerTypes]:checked')].map((box) => box.value)`;
    expect(await page.evaluate<string[]>(ticked)).toEqual(['40HC']);
    expect(await page.locator('select[name=contractTerm]').inputValue()).toBe('LONG_TERM');
    expect(await tableRows(page, '#periods')).toEqual(expectedRows('40HC', 'LONG_TERM'));
    // The changes this lane was built with, as the page words them.
    expect((await tableRows(page, '#periods')).map((row) => row[2])).toEqual(['–', '+10.00 %', '-5.00 %']);
    expect(await page.locator('#status').innerText()).toMatch(/^105 prices \(40HC; long term\) in 3 periods\./);
    expect(await page.locator('#csv').getAttribute('href')).toContain('&container_types=40HC&contract_term=LONG_TERM');
    expect(await bandPixels(page)).toBeGreaterThan(1_000);
    await saveScreenshot(page, 'dashboard-filtered');

    await page.locator('select[name=band]').selectOption('QUARTILES');
    expect(await bandPixels(page)).toBe(0);
    expect(page.url()).not.toContain('band=');
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('follows the filters as the analyst changes them, and counts every price without them', async () => {
    const { page } = browser;
    await page.locator('select[name=contractTerm]').selectOption('SHORT_TERM');
    const show = () => page.getByRole('button', { name: 'Show' }).click();
    expect(await analysisVariables(page, show)).toMatchObject({ containerTypes: ['40HC'], contractTerm: 'SHORT_TERM' });
    await page.locator('body[data-state=ready]').waitFor();
    expect(await tableRows(page, '#periods')).toEqual(expectedRows('40HC', 'SHORT_TERM'));
    expect(page.url()).toContain('container_types=40HC&contract_term=SHORT_TERM');

    await page.locator('input[name=containerTypes][value="40HC"]').uncheck();
    await page.locator('select[name=contractTerm]').selectOption('');
    expect(await analysisVariables(page, show)).toMatchObject({ containerTypes: null, contractTerm: null });
    await page.locator('body[data-state=ready]').waitFor();
    // The reference data's prices of these weeks and the 231 submitted here.
    const counts = (await tableRows(page, '#periods')).map((row) => Number(row[10]));
    const reference = await service.graphql<{ rateSeries: { periods: { priceCount: number }[] } }>(
      `{ rateSeries(origin: "CNSGH", destination: "north_europe_main", dateFrom: "2016-01-04", dateTo: "2016-01-24",
           granularity: WEEK, containerTypes: ["20DC", "40HC"]) { periods { priceCount } } }`,
    );
    expect(reference.data?.rateSeries.periods.map((p) => p.priceCount)).toEqual([77, 77, 77]);
    expect(counts.reduce((s, c) => s + c, 0)).toBeGreaterThan(submitted.length);
    expect(page.url()).not.toContain('container_types');
  });
});
