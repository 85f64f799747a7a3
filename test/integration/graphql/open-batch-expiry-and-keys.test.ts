/**
 * Chunked batches on a service with API keys and a short open-batch TTL: expiry by the worker, and
 * batchProgress over graphql-ws with keys. (chDB binds one engine per process, so a service with other
 * settings needs a test file of its own.)
 */
import { hashApiKey } from '../../../src/auth';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { collect, subscriptionClient } from '../../helpers/subscriptions';

const SUPPLIER_KEY = 'rl_expiry_test_supplier';
const READER_KEY = 'rl_expiry_test_reader';
const PROGRESS = 'subscription($id: ID!) { batchProgress(id: $id) { status } }';

let service: TestService;
const supplier = { authorization: `Bearer ${SUPPLIER_KEY}` };

beforeAll(async () => {
  service = await startTestService({
    API_KEYS: [
      `supplier:ingest:${hashApiKey(SUPPLIER_KEY).toString('hex')}`,
      `reader:read:${hashApiKey(READER_KEY).toString('hex')}`,
    ].join(','),
    OPEN_BATCH_TTL_MS: '1000',
    WORKER_POLL_INTERVAL_MS: '50',
  });
});
afterAll(async () => {
  await service.stop();
});

async function statusOf(id: string): Promise<string | undefined> {
  const answer = await service.graphql<{ batch: { status: string } }>(
    'query($id: ID!) { batch(id: $id) { status } }',
    { id },
    supplier,
  );
  return answer.data?.batch.status;
}

it('expires an open batch not committed in time; its chunks are gone and commit is refused', async () => {
  const created = await service.graphql<{ createBatch: { id: string; openUntil: string } }>(
    'mutation { createBatch(input: { idempotencyKey: "expires" }) { id openUntil } }',
    {},
    supplier,
  );
  const id = created.data?.createBatch.id as string;
  const openUntil = Date.parse(created.data?.createBatch.openUntil as string);
  expect(openUntil - Date.now()).toBeLessThanOrEqual(1000);
  const appended = await service.graphql(
    `mutation($id: ID!) { appendBatchItems(batchId: $id, chunkIndex: 0, items: [{ originCode: "CNSGH",
      destinationCode: "NLRTM", day: "2031-05-01", price: 100 }]) { chunkCount } }`,
    { id },
    supplier,
  );
  expect(appended.data).toEqual({ appendBatchItems: { chunkCount: 1 } });
  const status = await eventually(
    () => statusOf(id),
    (now) => now !== 'OPEN',
    { what: `batch ${id} to leave OPEN`, timeoutMs: 5_000 },
  );
  expect(status).toBe('EXPIRED');
  expect(Date.now()).toBeGreaterThanOrEqual(openUntil);
  const late = await service.graphql('mutation($id: ID!) { commitBatch(batchId: $id) { id } }', { id }, supplier);
  expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'BATCH_NOT_OPEN', status: 'EXPIRED' });
});

it('needs a key for batchProgress: none or a wrong one closes the socket (4403) before any document is read', async () => {
  const anonymous = subscriptionClient(service.running.url);
  const refused = await collect(anonymous, PROGRESS, { id: 'whatever' });
  expect(refused.errors).toEqual([expect.objectContaining({ code: 4403 })]);
  await anonymous.dispose();

  const wrong = subscriptionClient(service.running.url, { Authorization: 'Bearer rl_wrong' });
  const closed = await collect(wrong, PROGRESS, { id: 'whatever' });
  expect(closed.errors).toEqual([expect.objectContaining({ code: 4403 })]);
  await wrong.dispose();
});

it('follows a batch for its supplier’s key given in the connection parameters or as X-API-Key', async () => {
  const created = await service.graphql<{ createBatch: { id: string } }>(
    'mutation { createBatch(input: { idempotencyKey: "followed" }) { id } }',
    {},
    supplier,
  );
  const id = created.data?.createBatch.id as string;
  await service.graphql('mutation($id: ID!) { abortBatch(batchId: $id) { id } }', { id }, supplier);
  const presentations: Record<string, string>[] = [
    { Authorization: `Bearer ${SUPPLIER_KEY}` },
    { 'X-API-Key': SUPPLIER_KEY },
  ];
  for (const params of presentations) {
    const client = subscriptionClient(service.running.url, params);
    const { data, errors } = await collect(client, PROGRESS, { id });
    await client.dispose();
    expect(errors).toEqual([]);
    expect(data).toEqual([{ batchProgress: { status: 'ABORTED' } }]);
  }
});
