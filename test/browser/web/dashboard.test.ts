/**
 * The analyst page in a real browser (Debian's chromium): it draws the example lane (CNSGH →
 * north_europe_main, January 2016), and every number it shows is what the API answers, which in turn
 * is what the raw reference files say (test/helpers/analysis-answers.ts). Nothing loads from another host.
 */
import type { Page } from 'playwright-core';
import { expectedLaneStats, expectedSeries } from '../../helpers/analysis-answers';
import { cspViolations, openBrowser, saveScreenshot, type BrowserSession } from '../../helpers/browser';
import { startTestService, type TestService } from '../../helpers/components';

let service: TestService;
let browser: BrowserSession;
let startedAt: number;
beforeAll(async () => {
  startedAt = Date.now();
  service = await startTestService();
  browser = await openBrowser({ width: 1280, height: 900 });
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

const EXAMPLE = { origin: 'CNSGH', destination: 'north_europe_main', dateFrom: '2016-01-01', dateTo: '2016-01-31' };

interface Period {
  periodStart: string;
  averagePrice: number | null;
  minPrice: number | null;
  maxPrice: number | null;
  p25: number | null;
  median: number | null;
  p75: number | null;
  priceCount: number;
  outliersExcluded: number;
}
/** A period as the dashboard asks for it: also its change and the market's low and high. */
interface ShownPeriod extends Period {
  change: number | null;
  low: number | null;
  high: number | null;
}
interface Lane {
  origin: { code: string; name: string };
  destination: { code: string; name: string };
  priceCount: number;
  averagePrice: number;
  minPrice: number;
  maxPrice: number;
  stddevPrice: number;
  volatility: number;
}

async function apiAnswer(granularity: string, excludeOutliers: boolean) {
  const response = await service.graphql<{
    rateSeries: { outliersExcluded: number; periods: ShownPeriod[] };
    laneStats: Lane[];
  }>(
    `query ($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!, $granularity: Granularity!, $excludeOutliers: Boolean) {
      rateSeries(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo, granularity: $granularity, excludeOutliers: $excludeOutliers) {
        outliersExcluded periods { periodStart averagePrice change minPrice maxPrice low p25 median p75 high priceCount outliersExcluded }
      }
      laneStats(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo, first: 10, excludeOutliers: $excludeOutliers) {
        origin { code name } destination { code name } priceCount averagePrice minPrice maxPrice stddevPrice volatility
      }
    }`,
    { ...EXAMPLE, granularity, excludeOutliers },
  );
  expect(response.errors).toBeUndefined();
  return response.data!;
}

const money = (n: number | null): string => (n === null ? '–' : n.toFixed(2));
const percentChange = (n: number | null): string => (n === null ? '–' : `${n > 0 ? '+' : ''}${(n * 100).toFixed(2)} %`);
const periodRow = (p: ShownPeriod): string[] => [
  p.periodStart,
  money(p.averagePrice),
  percentChange(p.change),
  money(p.low),
  money(p.p25),
  money(p.median),
  money(p.p75),
  money(p.high),
  money(p.minPrice),
  money(p.maxPrice),
  String(p.priceCount),
  String(p.outliersExcluded),
];
/** The fields the original series had (the raw-file oracle's), without change, low and high. */
const withoutSpread = ({ change: _change, low: _low, high: _high, ...period }: ShownPeriod): Period => period;
const laneRow = (l: Lane): string[] => [
  `${l.origin.code} ${l.origin.name}`,
  `${l.destination.code} ${l.destination.name}`,
  String(l.priceCount),
  money(l.averagePrice),
  money(l.minPrice),
  money(l.maxPrice),
  money(l.stddevPrice),
  `${(l.volatility * 100).toFixed(2)} %`,
];

async function tableRows(page: Page, selector: string): Promise<string[][]> {
  return (await page.locator(`${selector} tbody tr`).allInnerTexts()).map((row) =>
    row.split('\t').map((c) => c.trim()),
  );
}

/** Pixels of the canvas that are not blank: the chart has actually been drawn. */
async function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
    return painted;
  })()`);
}

async function submitAndWait(page: Page): Promise<void> {
  await Promise.all([
    page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && r.request().postData()?.includes('query Analysis') === true,
    ),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  await page.locator('body[data-state=ready]').waitFor();
}

describe('the analyst page at /dashboard', () => {
  it('draws the example lane and shows exactly what the API answers', async () => {
    const { page } = browser;
    const response = await page.goto(`${service.running.url}/dashboard`);
    expect(response?.status()).toBe(200);
    await page.locator('body[data-state=ready]').waitFor({ timeout: 30_000 });

    const api = await apiAnswer('DAY', true);
    // The API agrees with the raw files (so the page is checked against the definition, not itself).
    expect({ ...api.rateSeries, periods: api.rateSeries.periods.map(withoutSpread) }).toEqual(
      expectedSeries(EXAMPLE.origin, EXAMPLE.destination, EXAMPLE.dateFrom, EXAMPLE.dateTo, 'DAY', true),
    );
    expect(api.laneStats.map((l) => l.destination.code)).toEqual(
      expectedLaneStats(EXAMPLE.origin, EXAMPLE.destination, EXAMPLE.dateFrom, EXAMPLE.dateTo, 'VOLUME', true)
        .slice(0, 10)
        .map((l) => l.destination),
    );

    expect(api.rateSeries.outliersExcluded).toBe(1);
    expect(await tableRows(page, '#periods')).toEqual(api.rateSeries.periods.map(periodRow));
    expect(await tableRows(page, '#lanes')).toEqual(api.laneStats.map(laneRow));
    const prices = api.rateSeries.periods.reduce((s, p) => s + p.priceCount, 0);
    const statusLine = new RegExp(
      `^${prices} prices in 31 periods, 1 outlier excluded\\. Data as of (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) UTC\\.$`,
    );
    const status = await page.locator('#status').innerText();
    expect(status).toMatch(statusLine);
    // When the data was complete: after the service started (and loaded the reference data), not later than now.
    const asOf = Date.parse(`${statusLine.exec(status)![1]!.replace(' ', 'T')}Z`);
    expect(asOf).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(asOf).toBeLessThanOrEqual(Date.now());
    expect(await paintedPixels(page, '#price-chart')).toBeGreaterThan(5_000);
    expect(await paintedPixels(page, '#count-chart')).toBeGreaterThan(1_000);
    expect(await page.locator('#locations option').count()).toBe(143 + 20);
    await saveScreenshot(page, 'dashboard');
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('follows a change of granularity and of outlier handling', async () => {
    const { page } = browser;
    await page.locator('select[name=granularity]').selectOption('WEEK');
    await page.locator('input[name=excludeOutliers]').uncheck();
    await submitAndWait(page);
    const api = await apiAnswer('WEEK', false);
    expect(await tableRows(page, '#periods')).toEqual(api.rateSeries.periods.map(periodRow));
    const oracle = expectedSeries(EXAMPLE.origin, EXAMPLE.destination, EXAMPLE.dateFrom, EXAMPLE.dateTo, 'WEEK');
    expect(api.rateSeries.periods.map(withoutSpread)).toEqual(oracle.periods);
    expect(await tableRows(page, '#lanes')).toEqual(api.laneStats.map(laneRow));
    expect(page.url()).toContain('granularity=WEEK');
    await saveScreenshot(page, 'dashboard-weekly');
    expect(browser.outsideRequests).toEqual([]);
    expect(cspViolations(browser)).toEqual([]);
  });

  it('links the CSV of the series on screen', async () => {
    const { page } = browser;
    const href = await page.locator('#csv').getAttribute('href');
    expect(href).toBe(
      '/export/series.csv?origin=CNSGH&destination=north_europe_main&date_from=2016-01-01&date_to=2016-01-31&granularity=WEEK&exclude_outliers=false',
    );
    const csv = await (await fetch(`${service.running.url}${href}`)).text();
    const api = await apiAnswer('WEEK', false);
    expect(
      csv
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',')[2]),
    ).toEqual(api.rateSeries.periods.map((p) => p.averagePrice?.toFixed(2) ?? ''));
  });

  it('shows the API’s error for an unknown location', async () => {
    const { page } = browser;
    await page.locator('input[name=origin]').fill('XXXXX');
    await Promise.all([
      page.waitForResponse(
        (r) => r.url().endsWith('/graphql') && r.request().postData()?.includes('query Analysis') === true,
      ),
      page.getByRole('button', { name: 'Show' }).click(),
    ]);
    await page.locator('body[data-state=error]').waitFor();
    expect(await page.locator('#status').innerText()).toBe(
      'origin "XXXXX" is neither a port code nor a region slug (UNKNOWN_LOCATION)',
    );
  });
});
