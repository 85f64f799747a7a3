import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
} from 'graphql';
import { hashApiKey } from '../../../src/auth';
import { buildRatelineSchema } from '../../../src/graphql';
import { startTestService, type GraphqlResponse, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

const KEYS = { reader: 'rl_reader-key', supplier: 'rl_supplier-key', admin: 'rl_admin-key' };
const entry = (name: keyof typeof KEYS, roles: string) => `${name}:${roles}:${hashApiKey(KEYS[name]).toString('hex')}`;
const as = (name: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[name]}` });

let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    API_KEYS: [entry('reader', 'read'), entry('supplier', 'ingest'), entry('admin', 'read+ingest+admin')].join(','),
    MAX_BATCH_ITEMS: '50',
    REPLICATION_FLUSH_INTERVAL_MS: '20',
  });
});
afterAll(() => service.stop());

const BATCH_FIELDS =
  'id idempotencyKey status itemCount acceptedCount rejectedCount createdAt replicatedAt retractedAt';
const SUBMIT = `mutation($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { ${BATCH_FIELDS} errors { index field code message } }
}`;
const BATCH = `query($id: ID!) { batch(id: $id) { ${BATCH_FIELDS} } }`;
const RATES = `query($dateFrom: Date!, $dateTo: Date!) {
  rates(origin: "CNSGH", destination: "NLRTM", dateFrom: $dateFrom, dateTo: $dateTo) { day averagePrice priceCount }
}`;

interface BatchAnswer {
  id: string;
  createdAt: string;
  status: string;
  itemCount: number;
  acceptedCount: number;
  rejectedCount: number;
  replicatedAt: string | null;
  retractedAt: string | null;
  errors?: { index: number; field: string; code: string; message: string }[];
}

let keyCounter = 0;
const item = (day: string, price: number, extra: Record<string, unknown> = {}) => ({
  originCode: 'CNSGH',
  destinationCode: 'NLRTM',
  day,
  price,
  ...extra,
});

async function submit(items: unknown[], options: { key?: string; skipInvalid?: boolean } = {}) {
  const input = { items, idempotencyKey: options.key ?? `test-${++keyCounter}`, skipInvalid: options.skipInvalid };
  return service.graphql<{ submitPriceBatch: BatchAnswer }>(SUBMIT, { input }, as('supplier'));
}

async function untilReplicated(id: string): Promise<BatchAnswer> {
  const { data } = await eventually(
    () => service.graphql<{ batch: BatchAnswer }>(BATCH, { id }, as('admin')),
    (answer) => Boolean(answer.data?.batch.replicatedAt),
    { what: `batch ${id} replicated`, timeoutMs: 15_000 },
  );
  return data!.batch;
}

async function ratesOn(dateFrom: string, dateTo = dateFrom) {
  const response = await service.graphql<{ rates: { day: string; averagePrice: number | null; priceCount: number }[] }>(
    RATES,
    { dateFrom, dateTo },
    as('reader'),
  );
  expect(response.errors).toBeUndefined();
  return response.data!.rates;
}

/** A literal the schema accepts for a required argument, so that only authorization can refuse it. */
function sampleValue(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return `[${sampleValue(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${fields.map((f) => `${f.name}: ${sampleValue(f.type)}`).join(', ')} }`;
  }
  const samples: Record<string, string> = { Int: '1', Float: '1.5', Boolean: 'false', Date: '"2016-01-01"' };
  return samples[type.name] ?? '"CNSGH"';
}

const codes = (response: GraphqlResponse<unknown>) => response.errors?.map((e) => e.extensions?.code);

describe('the write path over GraphQL', () => {
  it('acknowledges a batch, and once replicated its prices count in rates', async () => {
    expect(await ratesOn('2017-05-01')).toEqual([{ day: '2017-05-01', averagePrice: null, priceCount: 0 }]);
    const { data, errors } = await submit([
      item('2017-05-01', 1000),
      item('2017-05-01', 2000),
      item('2017-05-01', 3000.5),
    ]);
    expect(errors).toBeUndefined();
    expect(data?.submitPriceBatch).toMatchObject({ status: 'ACCEPTED', itemCount: 3, acceptedCount: 3, errors: [] });
    const replicated = await untilReplicated(data!.submitPriceBatch.id);
    expect(Date.parse(replicated.replicatedAt!)).toBeGreaterThanOrEqual(Date.parse(data!.submitPriceBatch.createdAt));
    expect(await ratesOn('2017-05-01')).toEqual([{ day: '2017-05-01', averagePrice: 2000.17, priceCount: 3 }]);
  });

  it('returns the first batch for a repeated idempotency key and refuses the key for other content', async () => {
    const items = [item('2017-05-02', 10)];
    const first = await submit(items, { key: 'same-key' });
    const again = await submit(items, { key: 'same-key' });
    expect(again.data?.submitPriceBatch.id).toBe(first.data?.submitPriceBatch.id);
    const other = await submit([item('2017-05-02', 11)], { key: 'same-key' });
    expect(other.errors?.[0]?.extensions).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      batchId: first.data?.submitPriceBatch.id,
    });
    await untilReplicated(first.data!.submitPriceBatch.id);
    expect(await ratesOn('2017-05-02')).toEqual([{ day: '2017-05-02', averagePrice: null, priceCount: 1 }]);
  });

  it('refuses a batch with invalid items, listing each, and changes nothing', async () => {
    const before = await service.graphql<{ batches: { nodes: { id: string }[] } }>(
      '{ batches(first: 100) { nodes { id } } }',
      {},
      as('admin'),
    );
    const response = await submit([
      item('2017-05-03', 5),
      item('2017-05-32', 5),
      item('2017-05-03', 5, { originCode: 'ZZZZZ', currency: 'XYZ' }),
    ]);
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'items',
      itemErrors: [
        { index: 1, field: 'day', code: 'BAD_USER_INPUT', value: '2017-05-32' },
        { index: 2, field: 'originCode', code: 'UNKNOWN_LOCATION', value: 'ZZZZZ' },
        { index: 2, field: 'currency', code: 'UNSUPPORTED_CURRENCY', value: 'XYZ' },
      ],
    });
    const after = await service.graphql<{ batches: { nodes: { id: string }[] } }>(
      '{ batches(first: 100) { nodes { id } } }',
      {},
      as('admin'),
    );
    expect(after.data).toEqual(before.data);
  });

  it('with skipInvalid writes the valid items and reports the others on the batch', async () => {
    const { data } = await submit([item('2017-05-04', 7), item('2017-05-04', -7)], { skipInvalid: true });
    expect(data?.submitPriceBatch).toMatchObject({
      status: 'ACCEPTED',
      acceptedCount: 1,
      rejectedCount: 1,
      errors: [{ index: 1, field: 'price', code: 'BAD_USER_INPUT', message: 'must be greater than 0' }],
    });
  });

  it('limits the number of items per batch', async () => {
    const response = await submit(Array.from({ length: 51 }, () => item('2017-05-05', 1)));
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'items', value: 51 });
  });

  it('needs an idempotency key to upload a price over a range (a retry without one would write it again)', async () => {
    const upload = `mutation($input: UploadPriceInput!) { uploadPrice(input: $input) { id } }`;
    const input = {
      originCode: 'CNSGH',
      destinationCode: 'NLRTM',
      dateFrom: '2017-07-01',
      dateTo: '2017-07-03',
      price: 50,
    };
    const refused = await service.graphql(upload, { input }, as('supplier'));
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/idempotencyKey/);
  });

  it('uploads one price over a range, and answers an unsupported currency with UNSUPPORTED_CURRENCY', async () => {
    const upload = `mutation($input: UploadPriceInput!) { uploadPrice(input: $input) { id itemCount status } }`;
    const input = {
      originCode: 'CNSGH',
      destinationCode: 'NLRTM',
      dateFrom: '2017-06-01',
      dateTo: '2017-06-03',
      price: 50,
      idempotencyKey: 'upload-2017-06',
    };
    const ok = await service.graphql<{ uploadPrice: BatchAnswer }>(upload, { input }, as('supplier'));
    expect(ok.data?.uploadPrice).toMatchObject({ itemCount: 3, status: 'ACCEPTED' });
    const xyz = await service.graphql(
      upload,
      { input: { ...input, currency: 'XYZ', idempotencyKey: 'upload-xyz' } },
      as('supplier'),
    );
    expect(xyz.errors?.[0]?.extensions).toMatchObject({
      code: 'UNSUPPORTED_CURRENCY',
      field: 'currency',
      value: 'XYZ',
    });
    await untilReplicated(ok.data!.uploadPrice.id);
    expect((await ratesOn('2017-06-01', '2017-06-03')).map((d) => d.priceCount)).toEqual([1, 1, 1]);
  });

  it('retracts a batch: its prices stop counting once replicated; an unknown id is NOT_FOUND', async () => {
    const { data } = await submit([item('2017-07-01', 100), item('2017-07-01', 200), item('2017-07-01', 300)]);
    const id = data!.submitPriceBatch.id;
    await untilReplicated(id);
    expect(await ratesOn('2017-07-01')).toEqual([{ day: '2017-07-01', averagePrice: 200, priceCount: 3 }]);
    const retract = `mutation($id: ID!) { retractBatch(id: $id) { status retractedAt replicatedAt } }`;
    const retracted = await service.graphql<{ retractBatch: BatchAnswer }>(retract, { id }, as('supplier'));
    expect(retracted.data?.retractBatch).toMatchObject({ status: 'RETRACTED', replicatedAt: null });
    await untilReplicated(id);
    expect(await ratesOn('2017-07-01')).toEqual([{ day: '2017-07-01', averagePrice: null, priceCount: 0 }]);
    const unknown = await service.graphql(retract, { id: 'nope' }, as('supplier'));
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id', value: 'nope' });
  });

  it('pages through batches newest first', async () => {
    const page = `query($after: String) { batches(first: 2, after: $after) {
      nodes { id createdAt } pageInfo { endCursor hasNextPage } } }`;
    type Page = {
      batches: { nodes: { id: string; createdAt: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
    };
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    for (;;) {
      const response: GraphqlResponse<Page> = await service.graphql<Page>(page, { after }, as('supplier'));
      seen.push(...response.data!.batches.nodes);
      if (!response.data!.batches.pageInfo.hasNextPage) break;
      after = response.data!.batches.pageInfo.endCursor;
    }
    // The supplier's pages hold its own batches: every batch an admin sees that the supplier submitted.
    const all = await service.graphql<{ batches: { nodes: { id: string; owner: string | null }[] } }>(
      '{ batches(first: 100) { nodes { id owner } } }',
      {},
      as('admin'),
    );
    expect(seen.map((b) => b.id)).toEqual(
      all.data!.batches.nodes.filter((b) => b.owner === 'supplier').map((b) => b.id),
    );
    expect(all.data!.batches.nodes.some((b) => b.owner === null)).toBe(true);
    expect(new Set(seen.map((b) => b.id)).size).toBe(seen.length);
    const times = seen.map((b) => Date.parse(b.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const bad = await service.graphql(page, { after: 'not-a-cursor' }, as('admin'));
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await service.graphql('{ batches(first: 101) { nodes { id } } }', {}, as('admin'));
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('reports replication status; caught up, it has no lag', async () => {
    const { data } = await submit([item('2017-08-01', 1)]);
    await untilReplicated(data!.submitPriceBatch.id);
    const status = await service.graphql<{
      replication: { lagMs: number; pendingChanges: number; lastAppliedAt: string };
    }>('{ replication { lagMs pendingChanges lastAppliedAt } }', {}, as('reader'));
    expect(status.data?.replication).toEqual({ lagMs: 0, pendingChanges: 0, lastAppliedAt: expect.any(String) });
  });
});

describe('who may do what', () => {
  const RATES_JAN =
    '{ rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-01") { day } }';

  it('asks for a key when none is sent', async () => {
    const response = await service.graphql(RATES_JAN);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    const anonymousWrite = await service.graphql(SUBMIT, {
      input: { items: [item('2017-09-01', 1)], idempotencyKey: 'anonymous' },
    });
    expect(codes(anonymousWrite)).toEqual(['UNAUTHENTICATED']);
    expect(anonymousWrite.errors?.[0]?.message).toMatch(/Authorization: Bearer/);
  });

  it('answers 401 for a key that matches nothing, on GraphQL and REST', async () => {
    const graphql = await service.graphql(RATES_JAN, {}, { authorization: 'Bearer rl_wrong' });
    expect(graphql.status).toBe(401);
    expect(codes(graphql)).toEqual(['UNAUTHENTICATED']);
    const rest = await service.get('/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=NLRTM', {
      'x-api-key': 'rl_wrong',
    });
    expect(rest).toEqual({ status: 401, body: { error: expect.objectContaining({ code: 'UNAUTHENTICATED' }) } });
  });

  it('lets read keys query but not write, and ingest keys write but not query rates', async () => {
    expect((await service.graphql(RATES_JAN, {}, as('reader'))).errors).toBeUndefined();
    expect((await service.graphql(RATES_JAN, {}, { 'x-api-key': KEYS.reader })).errors).toBeUndefined();
    const readerWrites = await service.graphql(
      SUBMIT,
      { input: { items: [item('2017-09-01', 1)], idempotencyKey: 'reader-tries' } },
      as('reader'),
    );
    expect(codes(readerWrites)).toEqual(['FORBIDDEN']);
    expect(codes(await service.graphql(RATES_JAN, {}, as('supplier')))).toEqual(['FORBIDDEN']);
    expect(codes(await service.graphql('{ ports { code } }', {}, as('supplier')))).toEqual(['FORBIDDEN']);
    const { data } = await submit([item('2017-09-02', 1)]);
    const status = await service.graphql(BATCH, { id: data!.submitPriceBatch.id }, as('supplier'));
    expect(status.errors).toBeUndefined();
  });

  it('guards the REST call with the read role', async () => {
    const path = '/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=NLRTM';
    expect((await service.get(path)).status).toBe(401);
    expect((await service.get(path, as('supplier'))).status).toBe(403);
    expect((await service.get(path, as('reader'))).status).toBe(200);
  });

  it('guards every root field of the schema: without a key each one answers UNAUTHENTICATED', async () => {
    const schema = await buildRatelineSchema();
    const roots = [schema.getQueryType(), schema.getMutationType()].filter((t) => t !== null && t !== undefined);
    const unguarded: string[] = [];
    for (const root of roots) {
      for (const field of Object.values(root.getFields())) {
        const args = field.args
          .filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)
          .map((arg) => `${arg.name}: ${sampleValue(arg.type)}`);
        const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
        const operation = `${root === schema.getMutationType() ? 'mutation' : 'query'} { ${field.name}${
          args.length > 0 ? `(${args.join(', ')})` : ''
        }${selection} }`;
        const response = await service.graphql(operation);
        if (codes(response)?.[0] !== 'UNAUTHENTICATED') unguarded.push(`${operation} → ${JSON.stringify(response)}`);
      }
    }
    expect(unguarded).toEqual([]);
  });

  it('keeps /healthz open', async () => {
    expect(await service.get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
