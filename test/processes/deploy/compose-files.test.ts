/**
 * Every documented compose file combination validates with Debian's docker-compose (`config -q`), needs
 * its secrets from outside, and gives the Rateline processes the same environment in both shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { projectRoot } from '../../../src/paths/project-root';
import {
  COMPOSE_SHAPES,
  REQUIRED_VARIABLES,
  composeModel,
  environmentOf,
  runCompose,
  type ComposeService,
} from '../../helpers/compose';

const shapes = Object.entries(COMPOSE_SHAPES);

/** `35s` → 35000; compose durations used here are whole seconds. */
function durationMs(value: string | undefined): number {
  const match = /^(\d+)s$/.exec(value ?? '');
  if (!match) throw new Error(`not a duration in seconds: ${value}`);
  return Number(match[1]) * 1000;
}

describe.each(shapes)('the %s shape', (_name, files) => {
  it(`validates: docker-compose ${files.map((f) => `-f ${f}`).join(' ')} config -q`, async () => {
    const result = await runCompose(files, ['config', '-q'], REQUIRED_VARIABLES);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses to start without the secrets it takes from outside, naming them', async () => {
    for (const missing of Object.keys(REQUIRED_VARIABLES)) {
      const rest = Object.fromEntries(Object.entries(REQUIRED_VARIABLES).filter(([k]) => k !== missing));
      const result = await runCompose(files, ['config', '-q'], rest);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`set ${missing} in .env`);
    }
  });

  it('runs the API, the replicator and the workers with the production settings and a grace period', async () => {
    const { services } = await composeModel(files);
    const rateline = Object.entries(services).filter(([name]) => /^(api-\d+|replicator|worker)$/.test(name));
    expect(rateline.map(([name]) => name).sort()).toEqual(expect.arrayContaining(['api-1', 'replicator', 'worker']));
    for (const [name, service] of rateline) {
      const env = environmentOf(service);
      expect({ name, NODE_ENV: env.NODE_ENV, inProcess: env.REPLICATOR_IN_PROCESS }).toEqual({
        name,
        NODE_ENV: 'production',
        inProcess: 'false',
      });
      expect(env.MONGODB_URI).toMatch(/^mongodb:\/\/mongos:27017\//);
      expect(env.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
      // Docker's SIGKILL comes only after the process had its whole grace period to drain.
      expect(durationMs(service.stop_grace_period)).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS));
    }
    expect(services.worker?.command).toEqual(['node', 'dist/src/worker-main.js']);
    expect(services.replicator?.command).toEqual(['node', 'dist/src/replicator-main.js']);
  });
});

describe('the two shapes', () => {
  it('give the Rateline processes the same environment (the scaled-down file repeats it)', async () => {
    const full = (await composeModel(COMPOSE_SHAPES.full!)).services;
    const small = (await composeModel(COMPOSE_SHAPES['scaled-down']!)).services;
    for (const name of ['api-1', 'replicator', 'worker']) {
      expect({ name, env: environmentOf(small[name]) }).toEqual({ name, env: environmentOf(full[name]) });
    }
    expect(Object.keys(full).filter((n) => n.startsWith('api-'))).toHaveLength(2);
    expect(Object.keys(small).filter((n) => n.startsWith('api-'))).toHaveLength(1);
    const mongods = (services: Record<string, ComposeService>) =>
      Object.keys(services).filter((n) => /^mongo-(cfg|shard)/.test(n)).length;
    expect(mongods(full)).toBe(9);
    expect(mongods(small)).toBe(2);
  });

  it('mount a mongosh init script that parses and knows both steps and every shard key', () => {
    const script = fs.readFileSync(path.join(projectRoot(), 'deploy', 'mongo', 'init-cluster.js'), 'utf8');
    expect(() => new vm.Script(script, { filename: 'init-cluster.js' })).not.toThrow();
    expect(script).toContain("step === 'replica-sets'");
    expect(script).toContain("step === 'sharding'");
    expect(script).toContain("shard('prices', { _id: 1 })");
    expect(script).toContain("shard('batches', { _id: 'hashed' })");
    expect(script).toContain("shard('idempotency_keys', { _id: 'hashed' })");
  });

  it('start only entry points the build produces', () => {
    const dockerfile = fs.readFileSync(path.join(projectRoot(), 'Dockerfile'), 'utf8');
    const compose = ['docker-compose.yml', 'docker-compose.dev.yml']
      .map((f) => fs.readFileSync(path.join(projectRoot(), f), 'utf8'))
      .join('\n');
    const referenced = new Set([...`${dockerfile}\n${compose}`.matchAll(/dist\/[\w/-]+\.js/g)].map((m) => m[0]));
    expect([...referenced]).toEqual(
      expect.arrayContaining(['dist/src/main.js', 'dist/src/worker-main.js', 'dist/scripts/healthcheck.js']),
    );
    const missing = [...referenced].filter((file) => !fs.existsSync(path.join(projectRoot(), file)));
    expect(missing).toEqual([]);
  });
});
