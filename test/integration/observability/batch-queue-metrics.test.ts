/**
 * The batch work queue on /metrics, what workers are scaled on: an API without its own worker
 * (WORKER_IN_PROCESS=false) reports the committed chunked batches waiting and the oldest one's age.
 */
import { startTestService, type TestService } from '../../helpers/components';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ WORKER_IN_PROCESS: 'false' });
});
afterAll(async () => {
  await service?.stop();
});

async function sample(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${service.running.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function committedBatch(key: string): Promise<string> {
  const mutate = async (query: string, variables: Record<string, unknown>) => {
    const response = await service.graphql<Record<string, { id: string }>>(query, variables);
    expect(response.errors).toBeUndefined();
    return Object.values(response.data ?? {})[0]!.id;
  };
  const id = await mutate(`mutation($key: String!) { createBatch(input: { idempotencyKey: $key }) { id } }`, { key });
  await mutate(
    `mutation($id: ID!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: 0, items: $items) { id } }`,
    { id, items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2033-01-01', price: 100 }] },
  );
  return mutate(`mutation($id: ID!) { commitBatch(batchId: $id) { id } }`, { id });
}

describe('the batch queue gauges', () => {
  it('say nothing waits before any batch was committed, and that the queue could be read', async () => {
    expect(await sample('rateline_batch_queue_waiting')).toBe(0);
    expect(await sample('rateline_batch_queue_in_work')).toBe(0);
    expect(await sample('rateline_batch_queue_oldest_waiting_age_seconds')).toBe(0);
    expect(await sample('rateline_batch_queue_status_up')).toBe(1);
  });

  it('count committed batches no worker took, and age the oldest from its creation', async () => {
    const before = Date.now();
    await committedBatch('queued-1');
    await committedBatch('queued-2');
    // Opened but not committed: not queued.
    await service.graphql(`mutation { createBatch(input: { idempotencyKey: "still-open" }) { id } }`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await sample('rateline_batch_queue_waiting')).toBe(2);
    expect(await sample('rateline_batch_queue_in_work')).toBe(0);
    const age = await sample('rateline_batch_queue_oldest_waiting_age_seconds');
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThanOrEqual((Date.now() - before) / 1000);
  });
});
