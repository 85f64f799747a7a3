/**
 * Debian's chromium (never a downloaded browser) driven by playwright-core, for the browser tests.
 * Every request to a host other than 127.0.0.1 is recorded and aborted, and the browser's resolver maps
 * every other name to nowhere, so a page that needs the internet fails visibly and the test can assert
 * that it never tried.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Belt and braces beside the request interception below: no name but localhost resolves.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

/** Where screenshots go (gitignored; CI keeps them as artifacts). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts');

export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL (once each) the pages asked for on a host other than 127.0.0.1; all were aborted. */
  readonly outsideRequests: string[];
  /** Uncaught page errors and console errors, for diagnosis. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

const isLocal = (url: URL): boolean =>
  url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:' || url.hostname === '127.0.0.1';

export async function openBrowser(viewport = { width: 1280, height: 1000 }): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: \`npm run test:prerequisites -- chromium\` (which npm test runs first) installs ` +
        "Debian's chromium",
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
    const outsideRequests: string[] = [];
    const pageErrors: string[] = [];
    // Recorded once per URL, whichever of the two sees it first (requests that bypass routing, such as
    // some worker fetches, still raise the context's `request` event).
    const record = (url: URL): void => {
      if (!outsideRequests.includes(url.href)) outsideRequests.push(url.href);
    };
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (isLocal(url)) return route.continue();
      record(url);
      return route.abort('blockedbyclient');
    });
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (!isLocal(url)) record(url);
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    return {
      browser,
      context,
      page,
      outsideRequests,
      pageErrors,
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** The page errors that are the content security policy refusing something: a page must cause none. */
export function cspViolations(session: BrowserSession): string[] {
  return session.pageErrors.filter((message) => /Content Security Policy/i.test(message));
}

/** The directives of a Content-Security-Policy header, by name. */
export function cspDirectives(header: string | null): Record<string, string> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter((d) => d !== '')
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values.join(' ')];
      }),
  );
}

/** Saves a full-page screenshot under test-artifacts/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
