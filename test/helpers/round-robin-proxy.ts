/**
 * A tiny HTTP reverse proxy on 127.0.0.1 in front of several backends, round-robin, that handles
 * failures the way a real load balancer's passive health handling does: a request whose connection is
 * refused by a backend is tried on the next one; a request that reached a backend is never sent again
 * (a non-idempotent POST must not be replayed). One fresh backend connection per request, bodies piped.
 * Optionally it also checks each backend actively (`healthCheck`: GET a path every `intervalMs`) and
 * sends new requests only to backends whose last check answered 200, as long as one did.
 */
import http from 'node:http';
import net from 'node:net';

export interface ProxyFailure {
  readonly backendPort: number;
  readonly method: string;
  readonly path: string;
  readonly error: string;
  /** Milliseconds since the proxy started. */
  readonly atMs: number;
}

export interface ProxyStats {
  /** Requests sent to each backend (in `backendPorts` order), including those that then failed. */
  readonly forwarded: number[];
  /** Requests sent to each backend whose response has not ended yet. */
  readonly inFlight: number[];
  /** Requests tried on the next backend: the connection was refused, or closed before any of the request was sent. */
  retries: number;
  /** Whether each backend's last active health check answered 200 (all true without `healthCheck`). */
  readonly healthy: boolean[];
  /** Requests that skipped a backend because its health check failed. */
  skippedUnhealthy: number;
  /** Requests answered 502 by the proxy: every backend refused, or the backend failed after the request was sent. */
  readonly failures: ProxyFailure[];
}

export interface HealthCheck {
  /** For instance `/readyz`: a backend is healthy while this answers 200. */
  readonly path: string;
  readonly intervalMs: number;
}

export interface RoundRobinProxy {
  readonly port: number;
  readonly url: string;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

/** Headers that describe one connection and are not passed on (RFC 9110, section 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const kept: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

/** Connects to a backend: the socket once connected, or the error (refused) when it cannot connect. */
function connect(port: number): Promise<{ socket?: net.Socket; error?: Error }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const onError = (error: Error) => resolve({ error });
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      resolve({ socket });
    });
  });
}

/** GET `path` on a backend with a fresh connection: true when it answers 200 within a second. */
function answers200(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 1_000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

export async function startRoundRobinProxy(
  backendPorts: readonly number[],
  healthCheck?: HealthCheck,
): Promise<RoundRobinProxy> {
  const startedAt = Date.now();
  const stats: ProxyStats = {
    forwarded: backendPorts.map(() => 0),
    inFlight: backendPorts.map(() => 0),
    retries: 0,
    healthy: backendPorts.map(() => true),
    skippedUnhealthy: 0,
    failures: [],
  };
  let next = 0;

  const fail = (res: http.ServerResponse, req: http.IncomingMessage, backendPort: number, error: string) => {
    stats.failures.push({
      backendPort,
      method: req.method ?? '',
      path: req.url ?? '',
      error,
      atMs: Date.now() - startedAt,
    });
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ proxyError: error, backendPort }));
    } else {
      res.destroy();
    }
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const first = next++ % backendPorts.length;
    const order = backendPorts.map((_, attempt) => (first + attempt) % backendPorts.length);
    const healthy = order.filter((index) => stats.healthy[index]);
    // Unhealthy backends last: when no backend passes its check, all are tried anyway, as LBs do.
    const candidates = [...healthy, ...order.filter((index) => !stats.healthy[index])];
    if (healthy.length > 0 && healthy[0] !== first) stats.skippedUnhealthy++;

    const tryBackend = async (attempt: number): Promise<void> => {
      const index = candidates[attempt]!;
      const backendPort = backendPorts[index]!;
      const last = attempt + 1 >= candidates.length;
      const { socket, error } = await connect(backendPort);
      if (!socket) {
        if (last) return fail(res, req, backendPort, `every backend refused the connection (last: ${error?.message})`);
        stats.retries++;
        return tryBackend(attempt + 1);
      }
      stats.forwarded[index]!++;
      stats.inFlight[index]!++;
      socket.once('close', () => stats.inFlight[index]!--);
      const backendRequest = http.request({
        createConnection: () => socket,
        method: req.method,
        path: req.url,
        headers: { ...endToEndHeaders(req.headers), host: `127.0.0.1:${backendPort}`, connection: 'close' },
      });
      backendRequest.once('error', (e) => {
        // Closed before a byte of the request was written or read from the client: as good as refused.
        if (!last && socket.bytesWritten === 0 && !req.readableDidRead && !req.readableEnded) {
          req.unpipe(backendRequest);
          stats.retries++;
          void tryBackend(attempt + 1);
        } else {
          fail(res, req, backendPort, `after the request was sent: ${e.message}`);
        }
      });
      backendRequest.once('response', (backendResponse) => {
        res.writeHead(backendResponse.statusCode ?? 502, endToEndHeaders(backendResponse.headers));
        backendResponse.pipe(res);
        backendResponse.once('error', (e) => fail(res, req, backendPort, `while reading the response: ${e.message}`));
      });
      req.pipe(backendRequest);
    };
    void tryBackend(0);
  };

  let checking: NodeJS.Timeout | undefined;
  let closed = false;
  if (healthCheck) {
    const check = async () => {
      const results = await Promise.all(backendPorts.map((port) => answers200(port, healthCheck.path)));
      results.forEach((ok, index) => (stats.healthy[index] = ok));
      if (!closed) checking = setTimeout(() => void check(), healthCheck.intervalMs);
    };
    await check();
  }

  const server = http.createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(checking);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
