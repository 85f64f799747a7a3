/**
 * The service with Open Exchange Rates as its provider (OXR_APP_ID), against a local server answering as
 * Open Exchange Rates documents. Its own file: chDB allows one data directory per process.
 */
import { OPEN_ACCESS } from '../../../src/auth';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { OXR_ERRORS, startFakeOxrServer, type FakeOxrServer } from '../../helpers/open-exchange-rates-server';

const UPLOAD = `mutation($input: UploadPriceInput!) { uploadPrice(input: $input) { id status itemCount } }`;

describe('with Open Exchange Rates configured (OXR_APP_ID)', () => {
  let oxr: FakeOxrServer;
  let withOxr: TestService;

  beforeAll(async () => {
    oxr = await startFakeOxrServer();
    withOxr = await startTestService({
      OXR_APP_ID: 'app-1',
      OXR_BASE_URL: oxr.baseUrl,
      OXR_RETRY_BASE_MS: '5',
      REPLICATION_FLUSH_INTERVAL_MS: '20',
    });
  });
  afterAll(async () => {
    await withOxr?.stop();
    await oxr?.stop();
  });

  it('converts at the provider’s rate, and refuses the whole request when the provider refuses', async () => {
    // 1 USD = 0.8 EUR, so 1 EUR = 1.25 USD.
    oxr.script('2019-04-01', { rates: { EUR: 0.8 } });
    const input = {
      originCode: 'CNSGH',
      destinationCode: 'NLRTM',
      dateFrom: '2019-04-01',
      dateTo: '2019-04-01',
      price: 1000,
      currency: 'EUR',
      idempotencyKey: 'oxr-accepted',
    };
    const ok = await withOxr.graphql<{ uploadPrice: { id: string } }>(UPLOAD, { input });
    expect(ok.errors).toBeUndefined();
    const id = ok.data!.uploadPrice.id;
    const stored = (await withOxr.running.stores.operational.batches.pricesOf(id, null, 1_000_000)) ?? [];
    expect(stored.map((p) => [p.usdCents, p.usdPerUnit])).toEqual([[125_000, '1.25']]);
    expect((await withOxr.graphql('query { exchangeRate(currency: "EUR", day: "2019-04-01") }')).data).toEqual({
      exchangeRate: 1.25,
    });
    expect(oxr.requestsFor('2019-04-01')).toBe(1);

    oxr.script('2019-04-02', OXR_ERRORS.invalidAppId);
    const refused = await withOxr.graphql(UPLOAD, {
      input: { ...input, dateFrom: '2019-04-02', dateTo: '2019-04-02', idempotencyKey: 'oxr-refused' },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'EXCHANGE_RATES_UNAVAILABLE',
      provider: 'openexchangerates',
      providerStatus: 401,
      providerMessage: 'invalid_app_id',
    });
    expect(refused.errors?.[0]?.message).toMatch(/Open Exchange Rates answered HTTP 401 invalid_app_id/);
    expect(
      await withOxr.running.stores.operational.batches.byIdempotencyKey(OPEN_ACCESS.name, 'oxr-refused'),
    ).toBeUndefined();
  });

  it('lets a chunked batch wait while the provider refuses, and converts it once the provider answers', async () => {
    // Two refusals, then rates: the worker hands the batch back after each refusal and tries again.
    oxr.script('2019-04-03', OXR_ERRORS.invalidAppId, OXR_ERRORS.invalidAppId, { rates: { EUR: 0.8 } });
    const created = await withOxr.graphql<{ createBatch: { id: string } }>(
      'mutation { createBatch(input: { idempotencyKey: "oxr-chunked" }) { id } }',
    );
    const id = created.data!.createBatch.id;
    const item = { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2019-04-03', price: 1000, currency: 'EUR' };
    await withOxr.graphql(
      'mutation($id: ID!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: 0, items: $items) { id } }',
      { id, items: [item, item] },
    );
    await withOxr.graphql('mutation($id: ID!) { commitBatch(batchId: $id) { id } }', { id });
    const seen = new Set<string>();
    const status = await eventually(
      async () => {
        const answer = await withOxr.graphql<{ batch: { status: string } }>(
          'query($id: ID!) { batch(id: $id) { status } }',
          {
            id,
          },
        );
        seen.add(answer.data!.batch.status);
        return answer.data!.batch.status;
      },
      (now) => now === 'ACCEPTED',
      { what: `batch ${id} ACCEPTED`, timeoutMs: 10_000, intervalMs: 25 },
    );
    expect(status).toBe('ACCEPTED');
    expect(seen.has('REJECTED')).toBe(false);
    expect(oxr.requestsFor('2019-04-03')).toBe(3);
    const stored = await withOxr.running.stores.operational.batches.pricesOf(id, null, 10);
    expect(stored.map((p) => [p.usdCents, p.usdPerUnit, p.amountMinor])).toEqual([
      [125_000, '1.25', 100_000],
      [125_000, '1.25', 100_000],
    ]);
  }, 60_000);
});
