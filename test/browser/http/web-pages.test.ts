import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { hashApiKey } from '../../../src/auth';
import { defaultWebDir, webPages } from '../../../src/http/web-pages';
import { cspDirectives } from '../../helpers/browser';
import { startTestService } from '../../helpers/components';

/** The page routes on their own, over a web directory that may or may not hold the built pages. */
async function serve(webDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use(webPages({ webDir }));
  app.use((_req, res) => {
    res.status(299).send('passed on');
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the browser pages', () => {
  it('say how to build them when they are not built', async () => {
    const server = await serve('/nonexistent/rateline-web');
    try {
      const response = await fetch(`${server.url}/dashboard`);
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/npm run build/);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a browser', { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, '', 200],
    ['a JSON client', { accept: 'application/json' }, '', 299],
    ['a client accepting anything', { accept: '*/*' }, '', 299],
    ['a browser with a query in the URL', { accept: 'text/html' }, '?query=%7Bports%7Bcode%7D%7D', 299],
  ])('GET /graphql from %s: playground only for browsers', async (_name, headers, search, status) => {
    const server = await serve(defaultWebDir());
    try {
      const response = await fetch(`${server.url}/graphql${search}`, { headers });
      expect(response.status).toBe(status);
    } finally {
      await server.close();
    }
  });
});

describe('source maps of the pages', () => {
  const MAP = '/assets/dashboard/main.js.map';

  it('are served in development, for debugging', async () => {
    const service = await startTestService();
    try {
      const response = await fetch(`${service.running.url}${MAP}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { version: number }).version).toBe(3);
    } finally {
      await service.stop();
    }
  });

  it('are not served in production (NODE_ENV=production)', async () => {
    const service = await startTestService({
      NODE_ENV: 'production',
      API_KEYS: `reader:read:${hashApiKey('rl_maps').toString('hex')}`,
    });
    try {
      const response = await fetch(`${service.running.url}${MAP}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      const script = await fetch(`${service.running.url}/assets/dashboard/main.js`);
      expect(script.status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});

describe('the content security policy of the pages', () => {
  it.each(['/dashboard', '/graphql'])('is strict on the page at %s', async (path) => {
    const service = await startTestService();
    try {
      const response = await fetch(`${service.running.url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = cspDirectives(response.headers.get('content-security-policy'));
      expect(csp['default-src']).toBe("'self'");
      expect(csp['script-src']).toBe("'self'");
      expect(csp['object-src']).toBe("'none'");
      expect(csp['base-uri']).toBe("'none'");
      expect(csp['frame-ancestors']).toBe("'none'");
      expect(csp['connect-src']).toBe("'self'");
    } finally {
      await service.stop();
    }
  });
});
