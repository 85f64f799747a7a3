/**
 * A tiny HTTP reverse proxy on 127.0.0.1 in front of several backends, round-robin, that handles
 * failures the way a real load balancer's passive health handling does: a request whose connection is
 * refused by a backend is tried on the next one; a request that reached a backend is never sent again
 * (a non-idempotent POST must not be replayed). One fresh backend connection per request, bodies piped.
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
  /** Connection attempts refused by a backend and tried on the next one. */
  retries: number;
  /** Requests answered 502 by the proxy: every backend refused, or the backend failed after the request was sent. */
  readonly failures: ProxyFailure[];
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

/** Connects to a backend; resolves the socket once connected, or undefined when the connection is refused. */
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

export async function startRoundRobinProxy(backendPorts: readonly number[]): Promise<RoundRobinProxy> {
  const startedAt = Date.now();
  const stats: ProxyStats = {
    forwarded: backendPorts.map(() => 0),
    inFlight: backendPorts.map(() => 0),
    retries: 0,
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

  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const first = next++ % backendPorts.length;
    for (let attempt = 0; attempt < backendPorts.length; attempt++) {
      const index = (first + attempt) % backendPorts.length;
      const backendPort = backendPorts[index]!;
      const { socket, error } = await connect(backendPort);
      if (!socket) {
        // Nothing of the request left the proxy: the next backend may take it.
        if (attempt + 1 < backendPorts.length) {
          stats.retries++;
          continue;
        }
        fail(res, req, backendPort, `every backend refused the connection (last: ${error?.message})`);
        return;
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
      backendRequest.once('error', (e) => fail(res, req, backendPort, `after the request was sent: ${e.message}`));
      backendRequest.once('response', (backendResponse) => {
        res.writeHead(backendResponse.statusCode ?? 502, endToEndHeaders(backendResponse.headers));
        backendResponse.pipe(res);
        backendResponse.once('error', (e) => fail(res, req, backendPort, `while reading the response: ${e.message}`));
      });
      req.pipe(backendRequest);
      return;
    }
  };

  const server = http.createServer((req, res) => void forward(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
