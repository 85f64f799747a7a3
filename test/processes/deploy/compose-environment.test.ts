/**
 * The API, the replicator and the batch worker accept exactly the environment docker-compose.yml gives them: the real
 * compiled processes start with that environment (as `docker-compose config` interpolates it), with only
 * what ties it to the cluster substituted: the embedded stores instead of mongos and the ClickHouse
 * server (MONGODB_URI and CLICKHOUSE_URL dropped), a temporary DATA_DIR, a test API key, and a free
 * port on 127.0.0.1 instead of 0.0.0.0:4000. Nothing else of the test's own environment is passed.
 */
import { createHash } from 'node:crypto';
import { composeModel, environmentOf, COMPOSE_SHAPES } from '../../helpers/compose';
import { ENTRY_POINTS, freePort, processScope, waitForOutput, type StartedProcess } from '../../helpers/processes';

const TEST_KEY = 'compose-environment-test-key';
const TEST_KEY_ENTRY = `compose-test:read+ingest:${createHash('sha256').update(TEST_KEY).digest('hex')}`;

const processes = processScope();

/** The compose service's environment with the embedded stores and local addresses substituted. */
async function substitutedEnvironment(service: string, overrides: Record<string, string>) {
  const { services } = await composeModel(COMPOSE_SHAPES.full!);
  const env = environmentOf(services[service]);
  delete env.MONGODB_URI;
  delete env.CLICKHOUSE_URL;
  return { ...env, DATA_DIR: processes.dataDir(), API_KEYS: TEST_KEY_ENTRY, HOST: '127.0.0.1', ...overrides };
}

/** Starts a compiled entry point with exactly `env` (plus PATH), like a container would. */
function startWithOnly(script: string, env: Record<string, string>): StartedProcess {
  return processes.start(script, env, { onlyThisEnvironment: true });
}

function healthcheck(env: Record<string, string>): Promise<number | null> {
  return startWithOnly(ENTRY_POINTS.healthcheck, env).exited;
}

describe("docker-compose.yml's environment", () => {
  it('is accepted by the API, which serves with it (production mode: keys required)', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const env = await substitutedEnvironment('api-1', { PORT: String(port), METRICS_PORT: String(metricsPort) });
    expect(env).toMatchObject({ NODE_ENV: 'production', REPLICATOR_IN_PROCESS: 'false', PORT: String(port) });
    const api = startWithOnly(ENTRY_POINTS.service, env);
    await waitForOutput(api, 'Rateline is serving', 120_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // With keys, /metrics is on METRICS_PORT only.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain('rateline_');
    const query = JSON.stringify({ query: '{ port(code: "CNSGH") { code } }' });
    const anonymous = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query,
    });
    const refused = (await anonymous.json()) as { errors: { extensions: { code: string } }[] };
    expect(refused.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const withKey = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` },
      body: query,
    });
    expect(await withKey.json()).toEqual({ data: { port: { code: 'CNSGH' } } });
    // The image's HEALTHCHECK asks this process's /livez on PORT.
    expect(await healthcheck({ PORT: String(port) })).toBe(0);
    // Logs are JSON lines.
    const firstLine = api
      .output()
      .split('\n')
      .find((l) => l.trim().length > 0)!;
    expect(JSON.parse(firstLine)).toMatchObject({ service: 'rateline' });
  }, 180_000);

  it('is accepted by the replicator, which serves /livez, /readyz and /metrics on METRICS_PORT', async () => {
    const metricsPort = await freePort();
    const env = await substitutedEnvironment('replicator', { METRICS_PORT: String(metricsPort) });
    const replicator = startWithOnly(ENTRY_POINTS.replicator, env);
    await waitForOutput(replicator, 'replicator started', 120_000);
    const base = `http://127.0.0.1:${metricsPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('rateline_replication_lag_seconds');
    expect(await healthcheck({ PORT: '1', METRICS_PORT: String(metricsPort) })).toBe(0);
    // A graceful stop exits 0.
    replicator.child.kill('SIGTERM');
    expect(await replicator.exited).toBe(0);
  }, 180_000);

  it('is accepted by the batch worker, which serves /readyz on METRICS_PORT and stops gracefully', async () => {
    const metricsPort = await freePort();
    const env = await substitutedEnvironment('worker', { METRICS_PORT: String(metricsPort) });
    expect(env).toMatchObject({ NODE_ENV: 'production', WORKER_IN_PROCESS: 'false' });
    const worker = startWithOnly(ENTRY_POINTS.worker, env);
    await waitForOutput(worker, 'batch worker started', 120_000);
    const base = `http://127.0.0.1:${metricsPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await healthcheck({ PORT: '1', METRICS_PORT: String(metricsPort) })).toBe(0);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 180_000);

  it('has the healthcheck fail when nothing answers', async () => {
    expect(await healthcheck({ PORT: String(await freePort()) })).toBe(1);
  });
});
