/**
 * A rate sheet whose upload is cut by a SIGKILL of the service (issue 16): the body is streamed in
 * two parts and the kill lands after the first chunks were appended and before the rest was sent. The
 * batch is left OPEN and nothing of it counts; after a restart on the same data, the same sheet sent
 * again with the same key completes that batch, and every price of it counts exactly once.
 */
import http from 'node:http';
import { eventually } from '../../helpers/eventually';
import { freePort, processScope } from '../../helpers/processes';
import { COUNTED_PER_DAY, countedDays, daySheet, tally } from '../../helpers/rate-sheets';

const processes = processScope();
const KEY = 'sheet-killed-mid-body';

it('completes a sheet cut by a SIGKILL once, when it is sent again with the same key', async () => {
  const dataDir = processes.dataDir();
  const port = await freePort();
  const env = { DATA_DIR: dataDir, PORT: String(port), WORKER_POLL_INTERVAL_MS: '50' };
  const url = `http://127.0.0.1:${port}`;
  const graphql = async <Data>(query: string, variables: Record<string, unknown> = {}): Promise<Data> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Data; errors?: unknown[] };
    if (!body.data) throw new Error(`GraphQL answered ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const batchOfKey = async () =>
    (
      await graphql<{
        batches: { nodes: { id: string; idempotencyKey: string; status: string; itemCount: number }[] };
      }>('{ batches(first: 100) { nodes { id idempotencyKey status itemCount } } }')
    ).batches.nodes.find((b) => b.idempotencyKey === KEY);
  const counted = async () =>
    countedDays(
      (
        await graphql<{ rates: { day: string; priceCount: number }[] }>(COUNTED_PER_DAY, {
          o: 'CNSGH',
          d: 'FRDPE',
          f: '2044-01-01',
          t: '2044-12-31',
        })
      ).rates,
    );
  const { text, days } = daySheet('CNSGH', 'FRDPE', 35_000);

  const first = await processes.startService(env);
  const request = http.request(`${url}/batches?idempotencyKey=${KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
  });
  const cut = new Promise<void>((resolve) => request.on('error', () => resolve()));
  request.write(text.slice(0, Math.floor(text.length * 0.7)));
  const open = await eventually(batchOfKey, (b) => (b?.itemCount ?? 0) >= 20_000, {
    what: 'two chunks of the sheet appended',
    timeoutMs: 30_000,
  });
  first.child.kill('SIGKILL');
  await first.exited;
  await cut;

  await processes.startService(env);
  const left = await batchOfKey();
  expect(left).toMatchObject({ id: open?.id, status: 'OPEN' });
  expect(left?.itemCount).toBeLessThan(days.length);
  expect(await counted()).toEqual(new Map());

  const retried = await fetch(`${url}/batches?idempotencyKey=${KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: text,
  });
  const answer = (await retried.json()) as { id: string; status: string; itemCount: number };
  expect([retried.status, answer.id, answer.status, answer.itemCount]).toEqual([
    202,
    open?.id,
    'COMMITTED',
    days.length,
  ]);
  await eventually(
    () =>
      graphql<{ batch: { status: string; replicatedAt: string | null } }>(
        'query($id: ID!) { batch(id: $id) { status replicatedAt } }',
        { id: answer.id },
      ),
    (b) => b.batch.replicatedAt !== null,
    { what: 'the completed sheet counted', timeoutMs: 60_000 },
  );
  expect(await batchOfKey()).toMatchObject({ status: 'ACCEPTED', itemCount: days.length });
  expect(await counted()).toEqual(tally(days));
}, 240_000);
