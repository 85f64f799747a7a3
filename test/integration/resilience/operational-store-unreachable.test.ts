/**
 * The operational store unreachable: the service runs on MongoDB (FerretDB 1.24 here) and FerretDB is
 * killed. Writes answer OPERATIONAL_STORE_UNAVAILABLE and /readyz says not ready; once FerretDB is back,
 * no batch is half there (a batch exists only once its batch document, the commit marker, is written),
 * and a retry with the same idempotency key records the batch exactly once.
 */
import { MongoClient } from 'mongodb';
import { OPEN_ACCESS } from '../../../src/auth';
import { readReferenceDataset } from '../../../src/reference-data';
import { claimId, COLLECTIONS, priceIdRange } from '../../../src/stores/operational/mongodb/documents';
import { startTestService, type GraphqlResponse, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { startFerretDb, type RunningFerretDb } from '../../helpers/ferretdb';

let ferret: RunningFerretDb;
let service: TestService;
let direct: MongoClient;

beforeAll(async () => {
  ferret = await startFerretDb();
  service = await startTestService({
    // The driver waits 30 s for a server by default; a client-facing answer should come sooner.
    MONGODB_URI: `${ferret.uri}?serverSelectionTimeoutMS=1500`,
    SEED_ON_EMPTY_STORE: 'false',
    // FerretDB has no change streams: replication from MongoDB is not what this test is about.
    REPLICATOR_IN_PROCESS: 'false',
    READINESS_TIMEOUT_MS: '4000',
  });
  await service.running.stores.operational.referenceData.upsert(readReferenceDataset());
  direct = new MongoClient(ferret.uri, { serverSelectionTimeoutMS: 1500 });
}, 120_000);
afterAll(async () => {
  await direct?.close();
  await service?.stop();
  await ferret?.stop();
});

const SUBMIT = `mutation($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { id status itemCount acceptedCount }
}`;

interface Submitted {
  submitPriceBatch: { id: string; status: string; itemCount: number; acceptedCount: number };
}

function items(count: number, day = '2023-02-01') {
  return Array.from({ length: count }, (_, i) => ({
    originCode: 'CNSGH',
    destinationCode: 'NLRTM',
    day,
    price: 1000 + (i % 500),
  }));
}

function submit(key: string, count: number): Promise<GraphqlResponse<Submitted>> {
  return service.graphql<Submitted>(SUBMIT, { input: { idempotencyKey: key, items: items(count) } });
}

const db = () => direct.db('rateline');

/** Raw documents of one claimed key (the service runs open): its claim, its batch document (the commit), its prices. */
async function rawState(key: string) {
  const claim = await db()
    .collection<{ _id: string; batchId: string }>(COLLECTIONS.idempotencyKeys)
    .findOne({ _id: claimId(OPEN_ACCESS.name, key) });
  if (!claim) return { claimed: false, committed: false, prices: 0 };
  const committed =
    (await db().collection<{ _id: string }>(COLLECTIONS.batches).countDocuments({ _id: claim.batchId })) === 1;
  const prices = await db()
    .collection<{ _id: string }>(COLLECTIONS.prices)
    .countDocuments({ _id: priceIdRange(claim.batchId) });
  return { claimed: true, committed, prices, batchId: claim.batchId };
}

async function waitUntilReady(): Promise<void> {
  await eventually(
    () => service.get('/readyz'),
    (readiness) => readiness.status === 200,
    { what: 'the service to be ready again', timeoutMs: 30_000, intervalMs: 100 },
  );
}

describe('with the operational store (FerretDB) unreachable', () => {
  it('refuses writes with OPERATIONAL_STORE_UNAVAILABLE, is not ready, and records a retry exactly once', async () => {
    const before = await submit('before-outage', 3);
    expect(before.errors).toBeUndefined();

    await ferret.kill();
    const during = await submit('during-outage', 5);
    expect(during.data).toBeNull();
    expect(during.errors?.[0]?.extensions?.code).toBe('OPERATIONAL_STORE_UNAVAILABLE');
    expect(during.errors?.[0]?.message).toMatch(/nothing was written/);
    const read = await service.graphql('query($id: ID!) { batch(id: $id) { id } }', {
      id: before.data!.submitPriceBatch.id,
    });
    expect(read.errors?.[0]?.extensions?.code).toBe('OPERATIONAL_STORE_UNAVAILABLE');
    const readiness = await service.get('/readyz');
    expect(readiness).toMatchObject({
      status: 503,
      body: { ready: false, checks: { operational: 'OPERATIONAL_STORE_UNAVAILABLE' } },
    });

    await ferret.restart();
    await waitUntilReady();
    expect((await rawState('during-outage')).committed).toBe(false);
    expect(
      await service.running.stores.operational.batches.byIdempotencyKey(OPEN_ACCESS.name, 'during-outage'),
    ).toBeUndefined();

    const retry = await submit('during-outage', 5);
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.submitPriceBatch).toMatchObject({ status: 'ACCEPTED', itemCount: 5, acceptedCount: 5 });
    const again = await submit('during-outage', 5);
    expect(again.data?.submitPriceBatch.id).toBe(retry.data?.submitPriceBatch.id);
    expect(await rawState('during-outage')).toMatchObject({ committed: true, prices: 5 });
    const page = await service.running.stores.operational.batches.page(10, undefined);
    expect(page.batches.map((b) => b.idempotencyKey).sort()).toEqual(['before-outage', 'during-outage']);
  }, 120_000);

  it('leaves nothing half-written when the store dies in the middle of a batch', async () => {
    const key = 'interrupted-batch';
    const count = 30_000;
    const submission = submit(key, count);
    // Kill FerretDB once the first prices of the batch are in (or when the batch was quicker than that).
    await eventually(
      () => rawState(key).catch(() => undefined),
      (state) => (state?.prices ?? 0) > 0,
      { what: `the first prices of ${key} in FerretDB`, timeoutMs: 60_000, intervalMs: 10 },
    );
    await ferret.kill();
    const answer = await submission;
    await ferret.restart();
    await waitUntilReady();
    const state = await rawState(key);
    if (answer.errors) {
      expect(answer.errors[0]?.extensions?.code).toBe('OPERATIONAL_STORE_UNAVAILABLE');
      // The commit marker was not written: the batch is invisible whatever part of its prices landed.
      if (!state.committed) {
        expect(
          await service.running.stores.operational.batches.byIdempotencyKey(OPEN_ACCESS.name, key),
        ).toBeUndefined();
        expect(await service.running.stores.operational.batches.pricesOf(state.batchId!, null, count)).toEqual([]);
      }
    }
    // Whatever happened, the retry leaves exactly one whole batch.
    const retry = await submit(key, count);
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.submitPriceBatch).toMatchObject({ status: 'ACCEPTED', itemCount: count, acceptedCount: count });
    expect(await rawState(key)).toMatchObject({ committed: true, prices: count });
    const batchId = retry.data!.submitPriceBatch.id;
    expect(await service.running.stores.operational.batches.pricesOf(batchId, null, count)).toHaveLength(count);
  }, 180_000);
});
