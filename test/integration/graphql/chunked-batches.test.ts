/**
 * The chunked-batch protocol over GraphQL (createBatch → appendBatchItems → commitBatch, abortBatch)
 * and batchProgress over graphql-ws, against the whole service with its in-process worker.
 */
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { collect, subscriptionClient } from '../../helpers/subscriptions';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    MAX_BATCH_ITEMS: '4',
    MAX_CHUNKED_BATCH_ITEMS: '10',
    WORKER_POLL_INTERVAL_MS: '50',
  });
});
afterAll(async () => {
  await service.stop();
});

const BATCH_FIELDS = `id status skipInvalid itemCount chunkCount processedCount acceptedCount rejectedCount errorCount
  openUntil replicatedAt errors { index field code }`;

interface BatchAnswer {
  id: string;
  status: string;
  skipInvalid: boolean;
  itemCount: number;
  chunkCount: number;
  processedCount: number;
  acceptedCount: number;
  rejectedCount: number;
  errorCount: number;
  openUntil: string | null;
  replicatedAt: string | null;
  errors: { index: number; field: string; code: string }[];
}

interface ErrorAnswer {
  message: string;
  extensions?: Record<string, unknown>;
}

let keys = 0;
const item = (day: string, price: number, originCode = 'CNSGH') => ({
  originCode,
  destinationCode: 'NLRTM',
  day,
  price,
});

async function mutate(field: string, args: string, variables: Record<string, unknown>) {
  const response = await service.graphql<Record<string, BatchAnswer>>(
    `mutation(${args}) { ${field}(${args.replace(/\$(\w+): [^,]+/g, '$1: $$$1')}) { ${BATCH_FIELDS} } }`,
    variables,
  );
  return { batch: response.data?.[field], errors: response.errors };
}

const createBatch = (skipInvalid = false, idempotencyKey = `chunked-${++keys}`) =>
  mutate('createBatch', '$input: CreateBatchInput!', { input: { idempotencyKey, skipInvalid } });
const append = (batchId: string, chunkIndex: number, items: unknown[]) =>
  mutate('appendBatchItems', '$batchId: ID!, $chunkIndex: Int!, $items: [PriceItemInput!]!', {
    batchId,
    chunkIndex,
    items,
  });
const commit = (batchId: string) => mutate('commitBatch', '$batchId: ID!', { batchId });
const abort = (batchId: string) => mutate('abortBatch', '$batchId: ID!', { batchId });

async function openedBatch(skipInvalid = false): Promise<BatchAnswer> {
  const { batch, errors } = await createBatch(skipInvalid);
  expect(errors).toBeUndefined();
  return batch as BatchAnswer;
}

async function batchNow(id: string): Promise<BatchAnswer> {
  const response = await service.graphql<{ batch: BatchAnswer }>(
    `query($id: ID!) { batch(id: $id) { ${BATCH_FIELDS} } }`,
    {
      id,
    },
  );
  return response.data?.batch as BatchAnswer;
}

function until(id: string, done: (batch: BatchAnswer) => boolean): Promise<BatchAnswer> {
  return eventually(() => batchNow(id), done, { what: `batch ${id} to reach the expected state`, timeoutMs: 15_000 });
}

async function ratesOn(day: string, origin = 'CNSGH') {
  const response = await service.graphql<{ rates: { averagePrice: number | null; priceCount: number }[] }>(
    `query($origin: String!, $day: Date!) {
      rates(origin: $origin, destination: "NLRTM", dateFrom: $day, dateTo: $day, minPrices: 1) { averagePrice priceCount }
    }`,
    { origin, day },
  );
  return response.data?.rates[0];
}

export const PROGRESS = `subscription($id: ID!) { batchProgress(id: $id) { status itemCount processedCount acceptedCount } }`;

describe('a chunked batch', () => {
  it('takes chunks in any order and retried chunks once, then counts exactly its items once processed', async () => {
    const day = '2031-03-01';
    const opened = await openedBatch();
    expect(opened).toMatchObject({ status: 'OPEN', itemCount: 0, chunkCount: 0, skipInvalid: false });
    expect(Date.parse(opened.openUntil as string)).toBeGreaterThan(Date.now());

    expect((await append(opened.id, 1, [item(day, 300), item(day, 400)])).batch).toMatchObject({ chunkCount: 1 });
    const chunks = [item(day, 100), item(day, 200), item(day, 250)];
    expect((await append(opened.id, 0, chunks)).batch).toMatchObject({ itemCount: 5, chunkCount: 2 });
    // The same chunk again (a retry after a lost answer): nothing changes.
    expect((await append(opened.id, 0, chunks)).batch).toMatchObject({ itemCount: 5, chunkCount: 2 });

    const client = subscriptionClient(service.running.url);
    const progress = collect(client, PROGRESS, { id: opened.id });
    const committed = await commit(opened.id);
    expect(committed.errors).toBeUndefined();
    expect(['COMMITTED', 'PROCESSING', 'ACCEPTED']).toContain(committed.batch?.status);

    const { data, errors } = await progress;
    await client.dispose();
    expect(errors).toEqual([]);
    const statuses = data.map((d) => (d as { batchProgress: { status: string } }).batchProgress.status);
    expect(statuses.at(-1)).toBe('ACCEPTED');
    expect(data.at(-1)).toEqual({
      batchProgress: { status: 'ACCEPTED', itemCount: 5, processedCount: 5, acceptedCount: 5 },
    });

    await until(opened.id, (b) => b.replicatedAt !== null);
    // (100 + 200 + 250 + 300 + 400) / 5
    expect(await ratesOn(day)).toEqual({ averagePrice: 250, priceCount: 5 });
    expect((await commit(opened.id)).batch?.status).toBe('ACCEPTED');
  });

  it('is rejected whole, without counting anything, when an item of any chunk is invalid', async () => {
    const day = '2031-03-02';
    const opened = await openedBatch();
    await append(opened.id, 0, [item(day, 100), item(day, 200)]);
    await append(opened.id, 1, [item(day, 300), item(day, -1), item(day, 5, 'XXXXX')]);
    await commit(opened.id);
    const settled = await until(opened.id, (b) => b.status === 'REJECTED');
    expect(settled).toMatchObject({ processedCount: 5, acceptedCount: 0, rejectedCount: 5, errorCount: 2 });
    expect(settled.errors).toEqual([
      { index: 3, field: 'price', code: 'BAD_USER_INPUT' },
      { index: 4, field: 'originCode', code: 'UNKNOWN_LOCATION' },
    ]);
    await until(opened.id, (b) => b.replicatedAt !== null);
    expect(await ratesOn(day)).toEqual({ averagePrice: null, priceCount: 0 });
  });

  it('with skipInvalid counts the valid items and lists the others by their place in the batch', async () => {
    const day = '2031-03-03';
    const opened = await openedBatch(true);
    await append(opened.id, 0, [item(day, 100), item('2031-02-30', 200)]);
    await append(opened.id, 1, [item(day, 300)]);
    await commit(opened.id);
    const settled = await until(opened.id, (b) => b.status === 'ACCEPTED' && b.replicatedAt !== null);
    expect(settled).toMatchObject({ processedCount: 3, acceptedCount: 2, rejectedCount: 1, errorCount: 1 });
    expect(settled.errors).toEqual([{ index: 1, field: 'day', code: 'BAD_USER_INPUT' }]);
    expect(await ratesOn(day)).toEqual({ averagePrice: 200, priceCount: 2 });
  });

  it('answers the same batch to a repeated createBatch, and IDEMPOTENCY_KEY_REUSED for other settings', async () => {
    const first = await createBatch(false, 'repeat-me');
    expect((await createBatch(false, 'repeat-me')).batch?.id).toBe(first.batch?.id);
    expect((await createBatch(true, 'repeat-me')).errors?.[0]?.extensions).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      batchId: first.batch?.id,
    });
  });
});

describe('chunked batch errors', () => {
  const codeOf = (answer: { errors?: ErrorAnswer[] }) => answer.errors?.[0]?.extensions?.code;

  it('refuses other items under a chunk index already taken, and leaves the batch as it was', async () => {
    const opened = await openedBatch();
    await append(opened.id, 0, [item('2031-04-01', 100)]);
    const conflict = await append(opened.id, 0, [item('2031-04-01', 101)]);
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'CHUNK_CONFLICT', field: 'chunkIndex', value: 0 });
    expect(await batchNow(opened.id)).toMatchObject({ itemCount: 1, chunkCount: 1 });
  });

  it('lists missing chunks on commit and keeps the batch open', async () => {
    const opened = await openedBatch();
    expect((await commit(opened.id)).errors?.[0]?.extensions).toMatchObject({
      code: 'BATCH_INCOMPLETE',
      missingChunks: [0],
    });
    await append(opened.id, 0, [item('2031-04-02', 100)]);
    await append(opened.id, 3, [item('2031-04-02', 100)]);
    expect((await commit(opened.id)).errors?.[0]?.extensions).toMatchObject({
      code: 'BATCH_INCOMPLETE',
      missingChunks: [1, 2],
    });
    expect((await batchNow(opened.id)).status).toBe('OPEN');
  });

  it('lists at most the first 100 missing chunks, with their count', async () => {
    const opened = await openedBatch();
    await append(opened.id, 99_999, [item('2031-04-02', 100)]);
    const error = (await commit(opened.id)).errors?.[0];
    expect(error?.extensions).toMatchObject({
      code: 'BATCH_INCOMPLETE',
      missingChunks: Array.from({ length: 100 }, (_, i) => i),
      missingChunkCount: 99_999,
    });
    expect(error?.message).toMatch(/lacks 99999 chunks: 0, 1, .*, 19 and 99979 more/);
  });

  it('refuses chunks after commit and anything but a repeat after abort', async () => {
    const committed = await openedBatch();
    await append(committed.id, 0, [item('2031-04-03', 100)]);
    await commit(committed.id);
    expect((await append(committed.id, 1, [item('2031-04-03', 100)])).errors?.[0]?.extensions).toMatchObject({
      code: 'BATCH_NOT_OPEN',
    });
    expect(codeOf(await abort(committed.id))).toBe('BATCH_NOT_OPEN');

    const aborted = await openedBatch();
    await append(aborted.id, 0, [item('2031-04-03', 100)]);
    expect((await abort(aborted.id)).batch?.status).toBe('ABORTED');
    expect((await abort(aborted.id)).batch?.status).toBe('ABORTED');
    expect(codeOf(await commit(aborted.id))).toBe('BATCH_NOT_OPEN');
    expect(codeOf(await append(aborted.id, 1, [item('2031-04-03', 100)]))).toBe('BATCH_NOT_OPEN');
  });

  it('holds chunks and batches to their limits', async () => {
    const opened = await openedBatch();
    const five = Array.from({ length: 5 }, () => item('2031-04-04', 100));
    expect(codeOf(await append(opened.id, 0, five))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(await append(opened.id, 0, []))).toBe('BAD_USER_INPUT');
    expect(codeOf(await append(opened.id, -1, [item('2031-04-04', 100)]))).toBe('BAD_USER_INPUT');
    for (const index of [0, 1]) await append(opened.id, index, five.slice(0, 4));
    const past = await append(opened.id, 2, five.slice(0, 3));
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(past.errors?.[0]?.message).toMatch(/MAX_CHUNKED_BATCH_ITEMS/);
    expect(await batchNow(opened.id)).toMatchObject({ itemCount: 8, chunkCount: 2 });
  });

  it('answers NOT_FOUND for an unknown batch and BATCH_NOT_SETTLED for retracting an open one', async () => {
    expect(codeOf(await append('no-such-batch', 0, [item('2031-04-05', 100)]))).toBe('NOT_FOUND');
    expect(codeOf(await commit('no-such-batch'))).toBe('NOT_FOUND');
    const opened = await openedBatch();
    expect(codeOf(await mutate('retractBatch', '$id: ID!', { id: opened.id }))).toBe('BATCH_NOT_SETTLED');
  });
});

describe('batchProgress', () => {
  it('answers NOT_FOUND for an unknown batch and refuses queries over WebSocket', async () => {
    const client = subscriptionClient(service.running.url);
    const unknown = await collect(client, PROGRESS, { id: 'no-such-batch' });
    expect(unknown.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }),
    ]);
    const query = await collect(client, '{ ports { code } }', {});
    expect(query.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    await client.dispose();
  });

  it('ends at once with the settled batch it was asked about', async () => {
    const opened = await openedBatch();
    await abort(opened.id);
    const client = subscriptionClient(service.running.url);
    const { data } = await collect(client, PROGRESS, { id: opened.id });
    await client.dispose();
    expect(data).toEqual([{ batchProgress: { status: 'ABORTED', itemCount: 0, processedCount: 0, acceptedCount: 0 } }]);
  });
});
