/**
 * Chunked batches processed by real processes that are stopped in the middle: a SIGTERM hands the
 * batch back and a restart finishes it; a SIGKILLed worker's lease runs out and another worker finishes
 * it. Either way analytics count every price of the batch exactly once.
 */
import { openChdbClient, openSqliteStore } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { ENTRY_POINTS, freePort, processScope, waitForOutput, type StartedProcess } from '../../helpers/processes';

const processes = processScope();
const QUICK = { LOG_LEVEL: 'info', WORKER_POLL_INTERVAL_MS: '50' };

function start(script: string, env: NodeJS.ProcessEnv): StartedProcess {
  return processes.start(script, { ...QUICK, ...env });
}

function startService(dataDir: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<StartedProcess> {
  return processes.startService({ ...QUICK, DATA_DIR: dataDir, PORT: String(port), ...env });
}

interface BatchState {
  id: string;
  status: string;
  processedCount: number;
  acceptedCount: number;
  replicatedAt: string | null;
}

async function graphql<Data>(port: number, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: Data; errors?: unknown[] };
  if (response.status !== 200 || answer.errors || !answer.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer.data;
}

const batchOf = async (port: number, id: string) =>
  (
    await graphql<{ batch: BatchState }>(
      port,
      'query($id: ID!) { batch(id: $id) { id status processedCount acceptedCount replicatedAt } }',
      { id },
    )
  ).batch;

function until(port: number, id: string, done: (batch: BatchState) => boolean, timeoutMs = 120_000) {
  return eventually(() => batchOf(port, id), done, { what: `batch ${id} to move on`, timeoutMs, intervalMs: 25 });
}

/** Days of 2034, a year no other data uses; prices in whole cents, known to the test. */
function chunkItems(chunk: number, size: number) {
  return Array.from({ length: size }, (_, i) => {
    const n = chunk * size + i;
    return {
      originCode: 'CNSGH',
      destinationCode: 'NOTRD',
      day: new Date(Date.UTC(2034, 0, 1 + (n % 365))).toISOString().slice(0, 10),
      price: 1000 + (n % 997) / 100,
    };
  });
}

/** Opens a batch, appends `chunks` chunks of `size` items, commits; answers its id and the cents sum. */
async function sendChunkedBatch(port: number, key: string, chunks: number, size: number) {
  const { createBatch } = await graphql<{ createBatch: { id: string } }>(
    port,
    'mutation($key: String!) { createBatch(input: { idempotencyKey: $key }) { id } }',
    { key },
  );
  let cents = 0;
  for (let chunk = 0; chunk < chunks; chunk++) {
    const items = chunkItems(chunk, size);
    for (const item of items) cents += Math.round(item.price * 100);
    await graphql(
      port,
      'mutation($id: ID!, $i: Int!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: $i, items: $items) { id } }',
      { id: createBatch.id, i: chunk, items },
    );
  }
  await graphql(port, 'mutation($id: ID!) { commitBatch(batchId: $id) { id } }', { id: createBatch.id });
  return { id: createBatch.id, cents };
}

/** What the node's chDB replica holds of one batch (read after the node stopped: chDB binds one process). */
async function countedInAnalytics(dataDir: string, batchId: string) {
  const client = openChdbClient(dataDir);
  try {
    const result = await client.query({
      query: `SELECT count() AS prices, uniqExact(item_index) AS items, sum(usd_cents) AS cents
                FROM rateline.prices WHERE batch_id = {id:String}`,
      query_params: { id: batchId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ prices: number; items: number; cents: number }>();
    return { prices: Number(row?.prices), items: Number(row?.items), cents: Number(row?.cents) };
  } finally {
    await client.close();
  }
}

describe('a chunked batch in a process that is stopped', () => {
  it('is handed back on SIGTERM and finished after a restart: 1,000,000 prices counted once', async () => {
    const dataDir = processes.dataDir();
    const port = await freePort();
    const service = await startService(dataDir, port);
    const chunks = 100;
    const size = 10_000;
    const sent = await sendChunkedBatch(port, 'million', chunks, size);

    // Stop it while its worker is in the middle of the batch.
    await until(port, sent.id, (b) => b.processedCount > 0);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/handed the batch back: shutting down/);
    expect(service.output()).toMatch(/shut down cleanly/);

    const restarted = await startService(dataDir, port);
    const settled = await until(port, sent.id, (b) => b.replicatedAt !== null);
    expect(settled).toMatchObject({ status: 'ACCEPTED', processedCount: 1_000_000, acceptedCount: 1_000_000 });
    expect(restarted.output()).toMatch(/"resumeAtChunk":[1-9]\d*/);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(await countedInAnalytics(dataDir, sent.id)).toEqual({
      prices: 1_000_000,
      items: 1_000_000,
      cents: sent.cents,
    });
  }, 300_000);

  it('is taken over by another worker once a SIGKILLed worker’s lease runs out, and counted once', async () => {
    const dataDir = processes.dataDir();
    const port = await freePort();
    const service = await startService(dataDir, port, { WORKER_IN_PROCESS: 'false' });
    const workerEnv = { DATA_DIR: dataDir, WORK_LEASE_TTL_MS: '2000' };
    const first = start(ENTRY_POINTS.worker, workerEnv);
    await waitForOutput(first, 'batch worker started');
    // Large enough that the first worker is still in the middle when it is killed (checked below).
    const chunks = 100;
    const size = 10_000;
    const total = chunks * size;
    const sent = await sendChunkedBatch(port, 'killed-worker', chunks, size);
    await waitForOutput(first, 'processing batch');
    const second = start(ENTRY_POINTS.worker, workerEnv);
    await waitForOutput(second, 'batch worker started');

    // Progress is read from the operational store itself: the service's answers can lag behind the
    // worker process while its in-process replicator is busy, long enough for the worker to finish.
    const store = openSqliteStore(dataDir);
    let processedAtKill: number;
    try {
      await eventually(
        async () => (await store.batches.byIds([sent.id]))[0]?.processedCount ?? 0,
        (processed) => processed > 0,
        { what: `the first worker to write a chunk of ${sent.id}`, timeoutMs: 60_000, intervalMs: 5 },
      );
      first.child.kill('SIGKILL');
      await first.exited;
      processedAtKill = (await store.batches.byIds([sent.id]))[0]?.processedCount ?? 0;
    } finally {
      await store.close();
    }
    expect(processedAtKill).toBeGreaterThan(0);
    expect(processedAtKill).toBeLessThan(total);
    const killedAt = Date.now();
    const settled = await until(port, sent.id, (b) => b.replicatedAt !== null);
    expect(settled).toMatchObject({ status: 'ACCEPTED', processedCount: total, acceptedCount: total });
    // The second worker waited out the lease, then resumed after the chunks the first one wrote.
    expect(second.output()).toContain(`"resumeAtChunk":${processedAtKill / size}`);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1_000);

    const running = [service, first, second];
    for (const started of running) if (started.child.exitCode === null) started.child.kill('SIGTERM');
    await Promise.all(running.map((started) => started.exited));
    expect(await countedInAnalytics(dataDir, sent.id)).toEqual({ prices: total, items: total, cents: sent.cents });
    const operational = openSqliteStore(dataDir);
    try {
      const prices = await operational.batches.pricesOf(sent.id, null, total + 1);
      expect(prices).toHaveLength(total);
      expect(prices.reduce((sum, p) => sum + p.usdCents, 0)).toBe(sent.cents);
    } finally {
      await operational.close();
    }
  }, 300_000);
});
