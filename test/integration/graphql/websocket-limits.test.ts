/**
 * Limits of GraphQL over WebSocket: connections per key, subscriptions per connection and per key
 * (refused with a code, not left hanging), and subscriptions that do not validate (answered with a
 * code, logged as a warning without a stack).
 */
import type { Client } from 'graphql-ws';
import { hashApiKey } from '../../../src/auth';
import { captureLog, startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { collect, subscriptionClient } from '../../helpers/subscriptions';

const KEYS = { alpha: 'alpha-key-0123456789', beta: 'beta-key-0123456789', gamma: 'gamma-key-0123456789' };
// admin: every key follows the one open batch (an ingest key would only see its own).
const API_KEYS = Object.entries(KEYS)
  .map(([name, key]) => `${name}:read+ingest+admin:${hashApiKey(key).toString('hex')}`)
  .join(',');

const captured = captureLog('debug');
let service: TestService;
let openBatch: string;

beforeAll(async () => {
  service = await startTestService(
    {
      API_KEYS,
      WS_MAX_CONNECTIONS_PER_KEY: '2',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      WS_MAX_SUBSCRIPTIONS_PER_KEY: '4',
    },
    captured.log,
  );
  const created = await service.graphql<{ createBatch: { id: string } }>(
    'mutation($input: CreateBatchInput!) { createBatch(input: $input) { id } }',
    { input: { idempotencyKey: 'websocket-limits' } },
    { authorization: `Bearer ${KEYS.alpha}` },
  );
  openBatch = created.data!.createBatch.id;
});
afterAll(async () => {
  await service.stop();
});

const PROGRESS = `subscription($id: ID!) { batchProgress(id: $id) { status } }`;
const clientOf = (key: string): Client => subscriptionClient(service.running.url, { Authorization: `Bearer ${key}` });

type Outcome = { kind: 'data' } | { kind: 'error'; error: unknown };

/** Subscribes to the open batch: resolves at its first message, with its unsubscribe. */
function watch(client: Client): Promise<{ outcome: Outcome; unsubscribe: () => void }> {
  return new Promise((resolve) => {
    const unsubscribe = client.subscribe(
      { query: PROGRESS, variables: { id: openBatch } },
      {
        next: () => resolve({ outcome: { kind: 'data' }, unsubscribe }),
        error: (error: unknown) => resolve({ outcome: { kind: 'error', error }, unsubscribe }),
        complete: () => undefined,
      },
    );
  });
}

const codeOf = (outcome: Outcome): unknown => {
  if (outcome.kind !== 'error') return undefined;
  const [first] = outcome.error as { extensions?: { code?: unknown } }[];
  return first?.extensions?.code;
};

it('refuses a key more connections than WS_MAX_CONNECTIONS_PER_KEY (close code 4429), and no other key', async () => {
  const clients = [clientOf(KEYS.alpha), clientOf(KEYS.alpha)];
  for (const client of clients) expect((await watch(client)).outcome).toEqual({ kind: 'data' });
  const third = clientOf(KEYS.alpha);
  const refused = (await watch(third)).outcome;
  expect(refused).toMatchObject({ kind: 'error', error: { code: 4429 } });
  const other = clientOf(KEYS.beta);
  expect((await watch(other)).outcome).toEqual({ kind: 'data' });

  await clients[0]!.dispose();
  const again = await eventually(
    async () => {
      const client = clientOf(KEYS.alpha);
      const { outcome } = await watch(client);
      if (outcome.kind !== 'data') await client.dispose();
      return { client, outcome };
    },
    ({ outcome }) => outcome.kind === 'data',
    { what: 'a closed connection to free its slot' },
  );
  await Promise.all([clients[1]!.dispose(), third.dispose(), other.dispose(), again.client.dispose()]);
});

it('refuses subscriptions over the limits per connection and per key with RATE_LIMITED', async () => {
  const client = clientOf(KEYS.gamma);
  const watching = [await watch(client), await watch(client), await watch(client)];
  expect(watching.map((w) => w.outcome.kind)).toEqual(['data', 'data', 'data']);
  const overConnection = await watch(client);
  expect(codeOf(overConnection.outcome)).toBe('RATE_LIMITED');
  expect(overConnection.outcome).toMatchObject({
    error: [
      {
        message: expect.stringContaining('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'),
        extensions: { code: 'RATE_LIMITED', limit: 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', retryAfterSeconds: 1 },
      },
    ],
  });

  // A second connection of the same key has room for one more: the key's limit is 4.
  const second = clientOf(KEYS.gamma);
  expect((await watch(second)).outcome.kind).toBe('data');
  const overKey = await watch(second);
  expect(codeOf(overKey.outcome)).toBe('RATE_LIMITED');
  expect(overKey.outcome).toMatchObject({
    error: [{ message: expect.stringContaining('WS_MAX_SUBSCRIPTIONS_PER_KEY') }],
  });

  // An unsubscribe frees its slot.
  watching[0]!.unsubscribe();
  await eventually(
    async () => {
      const { outcome, unsubscribe } = await watch(second);
      if (outcome.kind !== 'data') unsubscribe();
      return outcome.kind;
    },
    (kind) => kind === 'data',
    { what: 'an unsubscribed subscription to free its slot' },
  );
  await Promise.all([client.dispose(), second.dispose()]);
});

it('answers subscriptions that do not parse or validate with a code, logged as a warning without a stack', async () => {
  const client = clientOf(KEYS.beta);
  const invalid = await collect(client, 'subscription { batchProgress(id: "x") { noSuchField } }', {});
  expect(invalid.errors).toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
  ]);
  const unparsable = await collect(client, 'subscription {', {});
  expect(unparsable.errors).toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_PARSE_FAILED' }) }),
  ]);
  await client.dispose();

  const about = captured.lines().filter((line) => JSON.stringify(line).includes('noSuchField'));
  expect(about).toEqual([expect.objectContaining({ level: 40 })]);
  expect(JSON.stringify(captured.lines())).not.toMatch(/"stack"/);
});
