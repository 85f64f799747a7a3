/**
 * The service with MONGODB_URI set runs its operational store on MongoDB: here FerretDB 1.24 (the wire
 * protocol on SQLite). FerretDB has no change streams, so this checks the wiring and the write path's
 * acknowledgement; replication from MongoDB runs only against a replica set (see the adapter's tests).
 */
import { readReferenceDataset } from '../../../src/reference-data';
import { startTestService, type TestService } from '../../helpers/components';
import { startFerretDb, type RunningFerretDb } from '../../helpers/ferretdb';

let ferret: RunningFerretDb;
let service: TestService;

beforeAll(async () => {
  ferret = await startFerretDb();
  service = await startTestService({ MONGODB_URI: ferret.uri, SEED_ON_EMPTY_STORE: 'false' });
  await service.running.stores.operational.referenceData.upsert(readReferenceDataset());
});
afterAll(async () => {
  await service?.stop();
  await ferret?.stop();
});

describe('the service on MongoDB (FerretDB)', () => {
  it('serves reference data from MongoDB', async () => {
    const { data } = await service.graphql<{ port: { name: string; region: { slug: string } } }>(
      '{ port(code: "CNSGH") { name region { slug } } }',
    );
    expect(data?.port).toEqual({ name: expect.any(String), region: { slug: expect.any(String) } });
  });

  it('records a batch durably in MongoDB and reads it back', async () => {
    const submit = await service.graphql<{ submitPriceBatch: { id: string; status: string; acceptedCount: number } }>(
      `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id status acceptedCount } }`,
      {
        input: {
          idempotencyKey: 'mongo-shape-1',
          items: [
            { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2019-01-01', price: 100 },
            { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2019-01-02', price: 200 },
          ],
        },
      },
    );
    expect(submit.errors).toBeUndefined();
    expect(submit.data?.submitPriceBatch).toMatchObject({ status: 'ACCEPTED', acceptedCount: 2 });
    const id = submit.data!.submitPriceBatch.id;
    const read = await service.graphql<{ batch: { id: string; itemCount: number } }>(
      'query($id: ID!) { batch(id: $id) { id itemCount } }',
      { id },
    );
    expect(read.data?.batch).toEqual({ id, itemCount: 2 });
    const prices = await service.running.stores.operational.batches.pricesOf(id, null, 10);
    expect(prices.map((p) => p.usdCents)).toEqual([10_000, 20_000]);
  });
});
