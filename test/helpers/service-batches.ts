/**
 * Writing through a running test service's GraphQL API and waiting for what the freshness rule keys
 * on: a batch's `replicatedAt`.
 */
import { randomUUID } from 'node:crypto';
import type { TestService } from './components';
import { eventually } from './eventually';

/** Submits one price from Shanghai to Rotterdam on `day` and waits until its batch reads `replicatedAt`; resolves its id. */
export async function addOnePriceAndWaitUntilReplicated(service: TestService, day: string): Promise<string> {
  const submitted = await service.graphql<{ submitPriceBatch: { id: string } }>(
    `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id } }`,
    {
      input: {
        idempotencyKey: `one-price-${randomUUID()}`,
        items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day, price: 1500 }],
      },
    },
  );
  const id = submitted.data?.submitPriceBatch.id;
  if (id === undefined) throw new Error(`submitPriceBatch failed: ${JSON.stringify(submitted.errors)}`);
  await untilReplicatedAtIsSet(service, id);
  return id;
}

/** Submits `items` (PriceItemInput objects) as one batch and waits until it reads `replicatedAt`; resolves its id. */
export async function submitAndWaitUntilReplicated(
  service: TestService,
  items: readonly Record<string, unknown>[],
): Promise<string> {
  const submitted = await service.graphql<{ submitPriceBatch: { id: string; status: string } }>(
    `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id status } }`,
    { input: { idempotencyKey: `batch-${randomUUID()}`, items } },
  );
  const batch = submitted.data?.submitPriceBatch;
  if (batch?.status !== 'ACCEPTED') throw new Error(`submitPriceBatch failed: ${JSON.stringify(submitted)}`);
  await untilReplicatedAtIsSet(service, batch.id);
  return batch.id;
}

/**
 * Waits until `batch(id)` reads `replicatedAt` (after a retraction, once the retraction is applied);
 * `headers` carry the API key of a service that has keys.
 */
export async function untilReplicatedAtIsSet(
  service: TestService,
  id: string,
  headers: Record<string, string> = {},
): Promise<void> {
  await eventually(
    () =>
      service.graphql<{ batch: { replicatedAt: string | null } }>(
        `query($id: ID!) { batch(id: $id) { replicatedAt } }`,
        { id },
        headers,
      ),
    (answer) => Boolean(answer.data?.batch.replicatedAt),
    { what: `batch ${id} to read replicatedAt`, timeoutMs: 15_000, intervalMs: 5 },
  );
}
