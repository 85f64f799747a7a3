/**
 * Suppliers kept apart (issue 18): two ingest keys, an admin key and a read key on one service with real
 * SQLite and chDB. A supplier sees and acts on its own batches only (any other answers as an id that
 * names none), its idempotency keys are its own, and only an admin retracts the reference dataset or
 * another supplier's batch, and restores a retracted one.
 */
import { apiKeysSetting, startTestService, type GraphqlResponse, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { expectedGraphqlRates } from '../../helpers/reference-answers';
import { collect, subscriptionClient } from '../../helpers/subscriptions';

const KEYS = {
  supplierA: 'rl_supplier-a-key',
  supplierB: 'rl_supplier-b-key',
  admin: 'rl_admin-key',
  reader: 'rl_reader-key',
};
type KeyName = keyof typeof KEYS;
const ROLES: Record<KeyName, string> = { supplierA: 'ingest', supplierB: 'ingest', admin: 'admin', reader: 'read' };
const as = (name: KeyName) => ({ authorization: `Bearer ${KEYS[name]}` });

let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    API_KEYS: apiKeysSetting(KEYS, ROLES),
    REPLICATION_FLUSH_INTERVAL_MS: '20',
    WORKER_POLL_INTERVAL_MS: '50',
  });
});
afterAll(() => service.stop());

const BATCH_FIELDS = 'id owner idempotencyKey status itemCount chunkCount acceptedCount replicatedAt';
interface BatchAnswer {
  id: string;
  owner: string | null;
  idempotencyKey: string;
  status: string;
  itemCount: number;
  chunkCount: number;
  acceptedCount: number;
  replicatedAt: string | null;
}

const SUBMIT = `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { ${BATCH_FIELDS} } }`;
const BATCH = `query($id: ID!) { batch(id: $id) { ${BATCH_FIELDS} } }`;
const BATCHES = `{ batches(first: 100) { nodes { ${BATCH_FIELDS} } } }`;
const RETRACT = `mutation($id: ID!) { retractBatch(id: $id) { ${BATCH_FIELDS} } }`;
const RESTORE = `mutation($id: ID!) { restoreBatch(id: $id) { ${BATCH_FIELDS} } }`;
const CREATE = `mutation($key: String!) { createBatch(input: { idempotencyKey: $key }) { ${BATCH_FIELDS} } }`;
const APPEND = `mutation($id: ID!) { appendBatchItems(batchId: $id, chunkIndex: 0, items: [{ originCode: "CNSGH",
  destinationCode: "NLRTM", day: "2032-01-01", price: 100 }]) { ${BATCH_FIELDS} } }`;
const COMMIT = `mutation($id: ID!) { commitBatch(batchId: $id) { ${BATCH_FIELDS} } }`;
const ABORT = `mutation($id: ID!) { abortBatch(batchId: $id) { ${BATCH_FIELDS} } }`;
const PROGRESS = 'subscription($id: ID!) { batchProgress(id: $id) { id status } }';
const RATES = `query($dateFrom: Date!, $dateTo: Date!) {
  rates(origin: "CNSGH", destination: "north_europe_main", dateFrom: $dateFrom, dateTo: $dateTo) {
    day averagePrice priceCount } }`;

let keyCounter = 0;
const item = (day: string, price: number) => ({ originCode: 'CNSGH', destinationCode: 'NLRTM', day, price });

async function submit(who: KeyName, items: unknown[], key = `suppliers-${++keyCounter}`): Promise<BatchAnswer> {
  const response = await service.graphql<{ submitPriceBatch: BatchAnswer }>(
    SUBMIT,
    { input: { items, idempotencyKey: key } },
    as(who),
  );
  expect(response.errors).toBeUndefined();
  return response.data!.submitPriceBatch;
}

async function batchAs(who: KeyName, id: string): Promise<GraphqlResponse<{ batch: BatchAnswer | null }>> {
  return service.graphql<{ batch: BatchAnswer | null }>(BATCH, { id }, as(who));
}

/** The error of a refused call (which answered no data), without its message (which names the id asked for). */
function errorOf(response: GraphqlResponse<Record<string, unknown>>): Record<string, unknown> | undefined {
  expect(Object.values(response.data ?? {}).filter((value) => value !== null)).toEqual([]);
  return response.errors?.[0]?.extensions;
}

async function untilReplicated(id: string): Promise<BatchAnswer> {
  const { data } = await eventually(
    () => batchAs('admin', id),
    (answer) => Boolean(answer.data?.batch?.replicatedAt),
    { what: `batch ${id} replicated`, timeoutMs: 20_000 },
  );
  return data!.batch!;
}

async function ratesOfJanuaryFirstDays() {
  const response = await service.graphql<{ rates: { day: string; averagePrice: number | null; priceCount: number }[] }>(
    RATES,
    { dateFrom: '2016-01-01', dateTo: '2016-01-05' },
    as('reader'),
  );
  expect(response.errors).toBeUndefined();
  return response.data!.rates;
}

describe('one supplier’s batches, as another supplier sees them', () => {
  it('answers batch(id) with null, as for an id that names no batch; the owner sees it, with its owner', async () => {
    const a = await submit('supplierA', [item('2032-02-01', 10)]);
    expect(a.owner).toBe('supplierA');
    expect((await batchAs('supplierB', a.id)).data).toEqual({ batch: null });
    expect((await batchAs('supplierB', 'no-such-batch')).data).toEqual({ batch: null });
    expect((await batchAs('supplierA', a.id)).data?.batch).toMatchObject({ id: a.id, owner: 'supplierA' });
    expect((await batchAs('admin', a.id)).data?.batch).toMatchObject({ id: a.id, owner: 'supplierA' });
  });

  it('cannot retract another supplier’s batch: NOT_FOUND, the same answer as for an unknown id', async () => {
    const a = await submit('supplierA', [item('2032-02-02', 10)]);
    const refused = errorOf(await service.graphql(RETRACT, { id: a.id }, as('supplierB')));
    const unknown = errorOf(await service.graphql(RETRACT, { id: 'no-such-batch' }, as('supplierB')));
    expect(refused).toEqual({ ...unknown, value: a.id });
    expect(refused).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect((await batchAs('supplierA', a.id)).data?.batch?.status).toBe('ACCEPTED');
    // Its own supplier may.
    const own = await service.graphql<{ retractBatch: BatchAnswer }>(RETRACT, { id: a.id }, as('supplierA'));
    expect(own.data?.retractBatch.status).toBe('RETRACTED');
  });

  it('cannot append to, commit or abort another supplier’s open batch; its owner still can', async () => {
    const created = await service.graphql<{ createBatch: BatchAnswer }>(CREATE, { key: 'open-of-a' }, as('supplierA'));
    const id = created.data!.createBatch.id;
    for (const mutation of [APPEND, COMMIT, ABORT]) {
      const refused = errorOf(await service.graphql(mutation, { id }, as('supplierB')));
      const unknown = errorOf(await service.graphql(mutation, { id: 'no-such-batch' }, as('supplierB')));
      expect(refused).toEqual({ ...unknown, value: id });
      expect(refused).toMatchObject({ code: 'NOT_FOUND', field: 'batchId' });
    }
    expect((await batchAs('supplierA', id)).data?.batch).toMatchObject({ status: 'OPEN', chunkCount: 0, itemCount: 0 });
    const appended = await service.graphql<{ appendBatchItems: BatchAnswer }>(APPEND, { id }, as('supplierA'));
    expect(appended.data?.appendBatchItems).toMatchObject({ chunkCount: 1, itemCount: 1 });
    const committed = await service.graphql<{ commitBatch: BatchAnswer }>(COMMIT, { id }, as('supplierA'));
    expect(committed.errors).toBeUndefined();
  });

  it('lists in batches() only the caller’s own; an admin lists every supplier’s and the reference dataset', async () => {
    const a = await submit('supplierA', [item('2032-02-03', 10)]);
    const b = await submit('supplierB', [item('2032-02-03', 20)]);
    const listed = async (who: KeyName) =>
      (await service.graphql<{ batches: { nodes: BatchAnswer[] } }>(BATCHES, {}, as(who))).data!.batches.nodes;
    const ofB = await listed('supplierB');
    expect(ofB.map((x) => x.id)).toContain(b.id);
    expect(ofB.every((x) => x.owner === 'supplierB')).toBe(true);
    const ofA = await listed('supplierA');
    expect(ofA.map((x) => x.id)).toContain(a.id);
    expect(ofA.every((x) => x.owner === 'supplierA')).toBe(true);
    const all = await listed('admin');
    expect(all.map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(all.find((x) => x.idempotencyKey === 'reference-dataset')).toMatchObject({ owner: null });
  });

  it('keeps idempotency keys per supplier: B reusing A’s key makes a batch of B’s and learns nothing of A’s', async () => {
    const a = await submit('supplierA', [item('2032-02-04', 10)], 'shared-key');
    // Other content under A's key: no IDEMPOTENCY_KEY_REUSED (which would name A's batch), a new batch.
    const b = await submit('supplierB', [item('2032-02-04', 99)], 'shared-key');
    expect(b).toMatchObject({ owner: 'supplierB', idempotencyKey: 'shared-key', itemCount: 1 });
    expect(b.id).not.toBe(a.id);
    // The same content as A's is still B's own batch, and B's retry finds that one.
    const sameAsA = await submit('supplierB', [item('2032-02-04', 10)], 'same-content');
    const aAgain = await submit('supplierA', [item('2032-02-04', 10)], 'same-content');
    expect(aAgain.id).not.toBe(sameAsA.id);
    expect((await submit('supplierB', [item('2032-02-04', 99)], 'shared-key')).id).toBe(b.id);
    // A's key still answers A's batch, and reused by A for other content is refused as before.
    expect((await submit('supplierA', [item('2032-02-04', 10)], 'shared-key')).id).toBe(a.id);
    const reused = await service.graphql(
      SUBMIT,
      { input: { items: [item('2032-02-04', 11)], idempotencyKey: 'shared-key' } },
      as('supplierA'),
    );
    expect(errorOf(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', batchId: a.id });
    // A supplier's whole and chunked batches share its keys; another supplier's chunked key is free.
    const opened = await service.graphql<{ createBatch: BatchAnswer }>(CREATE, { key: 'shared-key' }, as('supplierB'));
    expect(errorOf(opened)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', batchId: b.id });
    const underKeyOfA = await service.graphql<{ createBatch: BatchAnswer }>(
      CREATE,
      { key: 'open-of-a' },
      as('supplierB'),
    );
    expect(underKeyOfA.data?.createBatch).toMatchObject({ owner: 'supplierB', status: 'OPEN' });
  });

  it('follows only its own batch with batchProgress: another supplier’s is NOT_FOUND', async () => {
    const a = await submit('supplierA', [item('2032-02-05', 10)]);
    const client = subscriptionClient(service.running.url, { Authorization: `Bearer ${KEYS.supplierB}` });
    const refused = await collect(client, PROGRESS, { id: a.id });
    await client.dispose();
    expect(refused.data).toEqual([]);
    expect(refused.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND', value: a.id }) }),
    ]);
    const owner = subscriptionClient(service.running.url, { Authorization: `Bearer ${KEYS.supplierA}` });
    const followed = await collect(owner, PROGRESS, { id: a.id });
    await owner.dispose();
    expect(followed).toEqual({ data: [{ batchProgress: { id: a.id, status: 'ACCEPTED' } }], errors: [] });
  });
});

describe('a read key', () => {
  it('answers analytics but no batch metadata: batch, batches and batchProgress are FORBIDDEN', async () => {
    const a = await submit('supplierA', [item('2032-02-06', 10)]);
    expect((await ratesOfJanuaryFirstDays()).length).toBe(5);
    expect(errorOf(await batchAs('reader', a.id))).toMatchObject({ code: 'FORBIDDEN' });
    expect(errorOf(await service.graphql(BATCHES, {}, as('reader')))).toMatchObject({ code: 'FORBIDDEN' });
    const client = subscriptionClient(service.running.url, { Authorization: `Bearer ${KEYS.reader}` });
    const refused = await collect(client, PROGRESS, { id: a.id });
    await client.dispose();
    expect(refused.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
  });
});

describe('the reference dataset and restoring', () => {
  const expected = expectedGraphqlRates('CNSGH', 'north_europe_main', '2016-01-01', '2016-01-05');
  const none = expected.map(({ day }) => ({ day, averagePrice: null, priceCount: 0 }));

  it('cannot be retracted by an ingest key (NOT_FOUND); an admin retracts it and restores it, and it counts again', async () => {
    const all = await service.graphql<{ batches: { nodes: BatchAnswer[] } }>(BATCHES, {}, as('admin'));
    const reference = all.data!.batches.nodes.find((b) => b.idempotencyKey === 'reference-dataset')!;
    expect(reference).toMatchObject({ owner: null, status: 'ACCEPTED' });
    expect(await ratesOfJanuaryFirstDays()).toEqual(expected);
    expect(expected[0]).toMatchObject({ averagePrice: 1111.92 });

    expect(errorOf(await service.graphql(RETRACT, { id: reference.id }, as('supplierA')))).toMatchObject({
      code: 'NOT_FOUND',
      field: 'id',
    });
    expect(errorOf(await service.graphql(RESTORE, { id: reference.id }, as('supplierA')))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(errorOf(await service.graphql(RESTORE, { id: reference.id }, as('reader')))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await batchAs('admin', reference.id)).data?.batch?.status).toBe('ACCEPTED');
    expect(await ratesOfJanuaryFirstDays()).toEqual(expected);

    const retracted = await service.graphql<{ retractBatch: BatchAnswer }>(RETRACT, { id: reference.id }, as('admin'));
    expect(retracted.data?.retractBatch).toMatchObject({ status: 'RETRACTED', replicatedAt: null });
    await untilReplicated(reference.id);
    expect(await ratesOfJanuaryFirstDays()).toEqual(none);

    const restored = await service.graphql<{ restoreBatch: BatchAnswer }>(RESTORE, { id: reference.id }, as('admin'));
    expect(restored.data?.restoreBatch).toMatchObject({
      status: 'ACCEPTED',
      acceptedCount: 53_056,
      replicatedAt: null,
    });
    await untilReplicated(reference.id);
    expect(await ratesOfJanuaryFirstDays()).toEqual(expected);
    // Restoring again changes nothing.
    const again = await service.graphql<{ restoreBatch: BatchAnswer }>(RESTORE, { id: reference.id }, as('admin'));
    expect(again.data?.restoreBatch).toMatchObject({ status: 'ACCEPTED', replicatedAt: expect.any(String) });
  });

  it('lets an admin retract and restore a supplier’s batch; a retraction and restore in quick succession count once', async () => {
    const a = await submit('supplierA', [item('2032-03-01', 100), item('2032-03-01', 200), item('2032-03-01', 300)]);
    await untilReplicated(a.id);
    const lane = async () =>
      (
        await service.graphql<{ rates: { priceCount: number }[] }>(
          '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2032-03-01", dateTo: "2032-03-01") { priceCount } }',
          {},
          as('reader'),
        )
      ).data!.rates[0]!.priceCount;
    expect(await lane()).toBe(3);
    // Back to back, so that the replicator may read both in one flush.
    const retracted = service.graphql(RETRACT, { id: a.id }, as('admin'));
    expect((await retracted).errors).toBeUndefined();
    const restored = await service.graphql<{ restoreBatch: BatchAnswer }>(RESTORE, { id: a.id }, as('admin'));
    expect(restored.data?.restoreBatch).toMatchObject({ status: 'ACCEPTED', owner: 'supplierA' });
    await untilReplicated(a.id);
    expect(await lane()).toBe(3);
    const open = await service.graphql<{ createBatch: BatchAnswer }>(CREATE, { key: 'not-retracted' }, as('supplierA'));
    expect(errorOf(await service.graphql(RESTORE, { id: open.data!.createBatch.id }, as('admin')))).toMatchObject({
      code: 'BATCH_NOT_SETTLED',
      status: 'OPEN',
    });
    expect(errorOf(await service.graphql(RESTORE, { id: 'no-such-batch' }, as('admin')))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
