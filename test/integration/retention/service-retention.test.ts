/**
 * The "done when", through the whole embedded service with OPERATIONAL_RETENTION=5s: a batch's
 * prices leave the operational store within seconds of being counted, `batch(id)` still answers,
 * `rates` still counts them, and retracting the batch removes them from `rates`.
 */
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { untilReplicatedAtIsSet } from '../../helpers/service-batches';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ OPERATIONAL_RETENTION: '5s', ANSWER_CACHE: 'off' });
});
afterAll(() => service.stop());

const RATES = `query { rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2031-05-01", dateTo: "2031-05-01", minPrices: 1) { priceCount averagePrice } }`;

async function ratesOnTheDay(): Promise<{ priceCount: number; averagePrice: number | null }> {
  const answer = await service.graphql<{ rates: { priceCount: number; averagePrice: number | null }[] }>(RATES);
  const [day] = answer.data?.rates ?? [];
  if (!day) throw new Error(`rates failed: ${JSON.stringify(answer.errors)}`);
  return day;
}

it('removes a counted batch’s prices within seconds, keeps answering for it, and still retracts it', async () => {
  const submitted = await service.graphql<{ submitPriceBatch: { id: string } }>(
    `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id } }`,
    {
      input: {
        idempotencyKey: 'retention-five-seconds',
        items: [1200, 1300, 1400].map((price) => ({
          originCode: 'CNSGH',
          destinationCode: 'NLRTM',
          day: '2031-05-01',
          price,
        })),
      },
    },
  );
  const id = submitted.data!.submitPriceBatch.id;
  await untilReplicatedAtIsSet(service, id);
  const { operational } = service.running.stores;
  await eventually(
    () => operational.batches.pricesOf(id, null, 10),
    (prices) => prices.length === 0,
    { what: `the prices of batch ${id} to leave the operational store`, timeoutMs: 30_000, intervalMs: 200 },
  );
  // The reference dataset's batch, counted at start, is gone from the store too: only analytics hold it.
  expect(await operational.retention.priceCount()).toBe(0);

  const batch = await service.graphql<{ batch: { status: string; acceptedCount: number } }>(
    `query($id: ID!) { batch(id: $id) { status acceptedCount } }`,
    { id },
  );
  expect(batch.data?.batch).toEqual({ status: 'ACCEPTED', acceptedCount: 3 });
  expect(await ratesOnTheDay()).toEqual({ priceCount: 3, averagePrice: 1300 });

  const retracted = await service.graphql<{ retractBatch: { status: string } }>(
    `mutation($id: ID!) { retractBatch(id: $id) { status } }`,
    { id },
  );
  expect(retracted.data?.retractBatch.status).toBe('RETRACTED');
  await untilReplicatedAtIsSet(service, id);
  expect(await ratesOnTheDay()).toEqual({ priceCount: 0, averagePrice: null });
});
