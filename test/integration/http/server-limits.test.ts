/**
 * The HTTP server's own limits: a client that sends its headers (or its body) a little at a time,
 * forever, is cut off after HTTP_HEADERS_TIMEOUT_MS (HTTP_REQUEST_TIMEOUT_MS) instead of holding a
 * connection open; and with API keys configured, /metrics is served on METRICS_PORT only.
 */
import net from 'node:net';
import { hashApiKey } from '../../../src/auth';
import { startTestService, type TestService } from '../../helpers/components';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    API_KEYS: `reader:read:${hashApiKey('rl_limits-reader').toString('hex')}`,
    METRICS_PORT: '0',
  });
});
afterAll(async () => {
  await service?.stop();
});

/**
 * Opens a connection, sends `head`, then `drip` every 100 ms for at most 10 s; resolves with how long
 * the server kept it open and what it answered (the loop stops by itself if the server never closes).
 */
function dripFeed(head: string, drip: string): Promise<{ closedAfterMs: number; answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(service.running.port, '127.0.0.1');
    let answer = '';
    let ticks = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ closedAfterMs: Date.now() - started, answer, closed });
    };
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish(true) : reject(error)));
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        ticks += 1;
        if (ticks > 100) finish(false);
        else if (!socket.destroyed) socket.write(drip);
      }, 100);
    });
  });
}

describe('a slow client', () => {
  it('sending headers forever is cut off after HTTP_HEADERS_TIMEOUT_MS', async () => {
    const result = await dripFeed('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: a\r\n');
    expect(result.closed).toBe(true);
    expect(result.closedAfterMs).toBeLessThan(5_000);
    expect(result.answer).not.toMatch(/200 OK/);
  });

  it('sending its body forever is cut off after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const result = await dripFeed(
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      ' ',
    );
    expect(result.closed).toBe(true);
    expect(result.closedAfterMs).toBeLessThan(6_000);
  });
});

describe('/metrics with API keys configured', () => {
  it('is not served on the API port, only on METRICS_PORT', async () => {
    const onApi = await fetch(`${service.running.url}/metrics`, {
      headers: { authorization: 'Bearer rl_limits-reader' },
    });
    expect(onApi.status).toBe(404);
    expect(((await onApi.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const port = service.running.operationsPort;
    expect(port).toBeGreaterThan(0);
    const onOperations = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(onOperations.status).toBe(200);
    expect(await onOperations.text()).toContain('rateline_graphql_operation_duration_seconds');
    expect((await fetch(`${service.running.url}/readyz`)).status).toBe(200);
  });
});
