import { Router } from 'express';
import { RatelineError } from '../domain/errors';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics';

/** One dependency readiness asks about: resolves when it answers, rejects when it does not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** `ok`, or the error code (or message) of the failed check, per dependency. */
  readonly checks: Readonly<Record<string, string>>;
}

/**
 * Whether this process should be sent traffic: every dependency answered a cheap round trip within the
 * timeout, and shutdown has not begun. Liveness is separate and asks nothing: a process whose store is
 * down is alive and recovers by itself, so restarting it would not help.
 */
export class Readiness {
  private shuttingDown = false;

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    /** How long one probe waits for its dependency before calling it unavailable. */
    private readonly timeoutMs: number,
  ) {}

  /** From now on the process reports not ready, so load balancers stop sending it new requests. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await this.probe(c)] as const));
    const checks = Object.fromEntries(results);
    return {
      ready: !this.shuttingDown && results.every(([, result]) => result === 'ok'),
      shuttingDown: this.shuttingDown,
      checks,
    };
  }

  private async probe(check: ReadinessCheck): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
    });
    try {
      return await Promise.race([
        check.check().then(
          () => 'ok',
          (error: unknown) =>
            error instanceof RatelineError ? error.code : String((error as Error)?.message ?? error),
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `GET /livez` (200 while the process runs its event loop), `GET /readyz` (200 or 503 with the report)
 * and `GET /metrics` (Prometheus text). Public: they carry no data; keep the port on a private network
 * (the load balancer of docker-compose.yml does not pass them through). With `metrics: false` (the API
 * port once API keys are configured) /metrics answers NOT_FOUND: it is served on METRICS_PORT then.
 */
export function operationsRoutes(readiness: Readiness, { metrics = true }: { metrics?: boolean } = {}): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'alive' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await readiness.report();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', ...report });
  });
  router.get('/metrics', async (_req, res, next) => {
    if (!metrics) {
      next(new RatelineError('NOT_FOUND', 'With API keys configured, /metrics is served on METRICS_PORT only'));
      return;
    }
    res.type(METRICS_CONTENT_TYPE).send(await metricsText());
  });
  return router;
}
