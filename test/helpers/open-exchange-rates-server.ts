/**
 * A local HTTP server on 127.0.0.1 that answers as Open Exchange Rates documents its historical
 * endpoint (`GET /api/historical/YYYY-MM-DD.json?app_id=…`): a USD-based `rates` body on success, and
 * its JSON error bodies (`{"error": true, "status", "message", "description"}`) otherwise. Each day
 * answers a script of responses in turn (the last one repeats), so retries can be exercised.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type OxrScriptStep =
  | { readonly rates: Readonly<Record<string, number>> }
  | { readonly error: number; readonly message: string; readonly description?: string }
  /** Answers nothing for this long (a client with a shorter timeout gives up). */
  | { readonly stallMs: number }
  /** Closes the connection without an answer. */
  | { readonly hangUp: true }
  /** Any status with a body that is not JSON (a proxy's error page). */
  | { readonly status: number; readonly text: string };

/** The descriptions Open Exchange Rates sends with its documented errors. */
export const OXR_ERRORS = {
  invalidAppId: {
    error: 401,
    message: 'invalid_app_id',
    description:
      'Invalid App ID provided - please sign up at https://openexchangerates.org/signup, or contact support@openexchangerates.org.',
  },
  notAllowed: {
    error: 429,
    message: 'not_allowed',
    description: 'Historical rates are not available with your plan - please upgrade.',
  },
  accessRestricted: {
    error: 403,
    message: 'access_restricted',
    description: 'Access restricted for repeated over-use (status: 429), or other reason given in ‘description’ (403).',
  },
  tooManyRequests: {
    error: 429,
    message: 'too_many_requests',
    description: 'Too many requests - please slow down.',
  },
  notAvailable: {
    error: 400,
    message: 'not_available',
    description:
      'Historical rates for the requested date are not available - please try a different date, or contact support@openexchangerates.org.',
  },
} as const;

export interface FakeOxrServer {
  /** `http://127.0.0.1:<port>/api`: what OXR_BASE_URL would be. */
  readonly baseUrl: string;
  /** Requests per day (`YYYY-MM-DD`) so far. */
  requestsFor(day: string): number;
  readonly totalRequests: number;
  /** The app ids the requests carried. */
  readonly appIds: readonly string[];
  /** Sets what a day answers, step by step; a day without a script answers 400 not_available. */
  script(day: string, ...steps: OxrScriptStep[]): void;
  stop(): Promise<void>;
}

export async function startFakeOxrServer(): Promise<FakeOxrServer> {
  const scripts = new Map<string, OxrScriptStep[]>();
  const counts = new Map<string, number>();
  const appIds: string[] = [];
  let total = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/api\/historical\/(\d{4}-\d{2}-\d{2})\.json$/.exec(url.pathname);
    total += 1;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!match) {
      json(404, { error: true, status: 404, message: 'not_found', description: 'Not found.' });
      return;
    }
    const day = match[1] as string;
    appIds.push(url.searchParams.get('app_id') ?? '');
    const count = (counts.get(day) ?? 0) + 1;
    counts.set(day, count);
    const steps = scripts.get(day) ?? [OXR_ERRORS.notAvailable];
    const step = steps[Math.min(count, steps.length) - 1] as OxrScriptStep;
    if ('rates' in step) {
      json(200, {
        disclaimer: 'Usage subject to terms: https://openexchangerates.org/terms',
        license: 'https://openexchangerates.org/license',
        timestamp: Date.parse(`${day}T23:59:59Z`) / 1000,
        base: 'USD',
        rates: { USD: 1, ...step.rates },
      });
    } else if ('error' in step) {
      json(step.error, { error: true, status: step.error, message: step.message, description: step.description });
    } else if ('stallMs' in step) {
      setTimeout(() => json(200, { base: 'USD', rates: {} }), step.stallMs).unref();
    } else if ('hangUp' in step) {
      req.socket.destroy();
    } else {
      res.writeHead(step.status, { 'content-type': 'text/html' });
      res.end(step.text);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    requestsFor: (day) => counts.get(day) ?? 0,
    get totalRequests() {
      return total;
    },
    appIds,
    script(day, ...steps) {
      scripts.set(day, steps);
      counts.delete(day);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
