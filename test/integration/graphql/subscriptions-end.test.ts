/**
 * A batchProgress subscription stops polling the operational store as soon as its client unsubscribes
 * or disconnects, even while the batch it watches does not move (an open batch may stay unchanged for
 * an hour). Measured on the whole in-process service with a real graphql-ws client: each waiting poll
 * is one pending timer of this process, so abandoned subscriptions show up as timers that never end.
 */
import type { Client } from 'graphql-ws';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { subscriptionClient } from '../../helpers/subscriptions';

let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => {
  await service.stop();
});

const PROGRESS = `subscription($id: ID!) { batchProgress(id: $id) { status } }`;
const SUBSCRIPTIONS = 40;

const pendingTimers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

async function openBatchId(idempotencyKey: string): Promise<string> {
  const response = await service.graphql<{ createBatch: { id: string } }>(
    'mutation($input: CreateBatchInput!) { createBatch(input: $input) { id } }',
    { input: { idempotencyKey } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createBatch.id;
}

/** Subscribes `count` times; resolves once each has delivered the batch's first state. */
async function watch(client: Client, id: string, count: number): Promise<(() => void)[]> {
  const unsubscribes: (() => void)[] = [];
  const firsts: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    firsts.push(
      new Promise<void>((resolve, reject) => {
        unsubscribes.push(
          client.subscribe(
            { query: PROGRESS, variables: { id } },
            { next: () => resolve(), error: reject, complete: resolve },
          ),
        );
      }),
    );
  }
  await Promise.all(firsts);
  return unsubscribes;
}

/** Waits until the subscriptions' timers are gone: back within a few of `baseline`. */
const timersBackTo = (baseline: number, what: string) =>
  eventually(pendingTimers, (timers) => timers <= baseline + 5, { what, timeoutMs: 10_000 });

it('stops polling when the client unsubscribes', async () => {
  const id = await openBatchId('subscriptions-end-unsubscribe');
  const baseline = pendingTimers();
  const client = subscriptionClient(service.running.url);
  const unsubscribes = await watch(client, id, SUBSCRIPTIONS);
  // The measure sees the polls (so the test can fail): one timer per waiting subscription.
  await eventually(pendingTimers, (timers) => timers >= baseline + SUBSCRIPTIONS, {
    what: 'every subscription to wait for its next poll',
  });
  for (const unsubscribe of unsubscribes) unsubscribe();
  await timersBackTo(baseline, 'the unsubscribed polls to stop');
  await client.dispose();
});

it('stops polling when the client disconnects', async () => {
  const id = await openBatchId('subscriptions-end-disconnect');
  const baseline = pendingTimers();
  const client = subscriptionClient(service.running.url);
  await watch(client, id, SUBSCRIPTIONS);
  await eventually(pendingTimers, (timers) => timers >= baseline + SUBSCRIPTIONS, {
    what: 'every subscription to wait for its next poll',
  });
  await client.dispose();
  await timersBackTo(baseline, 'the abandoned polls to stop');
});
