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
      // Rateline's own user, from .env, through both mongos, with a bound on waiting for a majority.
      expect(env.MONGODB_URI).toMatch(
        /^mongodb:\/\/rateline:placeholderapp@mongos-1:27017,mongos-2:27017\/\?authSource=admin&/,
      );
      expect(new URLSearchParams(env.MONGODB_URI!.split('?')[1]).get('wtimeoutMS')).toBe('10000');
      expect(env.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      // Docker's SIGKILL comes only after the process had its whole grace period to drain.
      expect(durationMs(service.stop_grace_period)).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS));
    }
    expect(services.worker?.command).toEqual(['node', 'dist/src/worker-main.js']);
    expect(services.replicator?.command).toEqual(['node', 'dist/src/replicator-main.js']);
  });
});

/** `1280m` → bytes; compose memory sizes used here are whole m or g. */
function bytes(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)([mg])$/.exec(value ?? '');
  if (!match) throw new Error(`not a memory size: ${value}`);
  return Number(match[1]) * (match[2] === 'g' ? 1024 ** 3 : 1024 ** 2);
}

describe.each(shapes)('the MongoDB cluster of the %s shape', (_name, files) => {
  it('authenticates every member with the keyfile, publishes no port and bounds every mongod’s memory', async () => {
    const { services } = await composeModel(files);
    const members = Object.entries(services).filter(([name]) => /^(mongo-(cfg|shard)|mongos)/.test(name));
    expect(members.filter(([name]) => name.startsWith('mongos-')).map(([name]) => name)).toEqual([
      'mongos-1',
      'mongos-2',
    ]);
    for (const [name, service] of members) {
      const command = service.command ?? [];
      const volumes = (service.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
      expect({ name, keyFile: command[command.indexOf('--keyFile') + 1] }).toEqual({
        name,
        keyFile: '/keyfile/keyfile',
      });
      expect({ name, keyfileMounted: volumes.some((v) => v.startsWith('mongo-keyfile:/keyfile')) }).toEqual({
        name,
        keyfileMounted: true,
      });
      expect({ name, ports: (service as { ports?: unknown }).ports }).toEqual({ name, ports: undefined });
      const limit = bytes(service.mem_limit);
      if (name.startsWith('mongos')) continue;
      // The WiredTiger cache leaves the process room within its container.
      const cacheGb = Number(command[command.indexOf('--wiredTigerCacheSizeGB') + 1]);
      expect({ name, roomLeft: limit - cacheGb * 1024 ** 3 >= 512 * 1024 ** 2 }).toEqual({ name, roomLeft: true });
      if (name.startsWith('mongo-shard')) expect(command).toContain('periodicNoopIntervalSecs=1');
    }
  });
});

describe.each(shapes)('the Redis of the %s shape', (_name, files) => {
  it('keeps nothing on disk and stays below its container’s memory, least recently used keys out first', async () => {
    const { services } = await composeModel(files);
    const command = services.redis?.command as string[] | undefined;
    expect(command).toEqual(
      expect.arrayContaining(['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru']),
    );
    const maxmemory = command![command!.indexOf('--maxmemory') + 1];
    expect(bytes(maxmemory!.replace(/mb$/, 'm'))).toBeLessThan(bytes(services.redis?.mem_limit));
  });
});

describe('the two shapes', () => {
  it('fit one 16 GB host with the full cluster, ClickHouse and Redis, leaving 2 GB to the Rateline processes', async () => {
    const { services } = await composeModel(COMPOSE_SHAPES.full!);
    const limited = Object.entries(services).filter(([name]) =>
      /^(mongo-(cfg|shard)|mongos|clickhouse$|redis$)/.test(name),
    );
    expect(limited).toHaveLength(13);
    const total = limited.reduce((sum, [, service]) => sum + bytes(service.mem_limit), 0);
    expect(total).toBeLessThanOrEqual(14 * 1024 ** 3);
  });

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
    expect(script).toContain("shard('batch_chunks', { _id: 1 })");
    // Splitting an empty collection moves nothing since MongoDB 6.0 (the balancer goes by data size).
    expect(script).not.toMatch(/split(At)?\b.*middle|splitAt\(/);
    // Waits for the elected primary, not the first host listed.
    expect(script).toContain('isWritablePrimary === true');
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
