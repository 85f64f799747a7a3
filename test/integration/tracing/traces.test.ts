/**
 * The traces a running service records, through the real OpenTelemetry SDK into its in-memory
 * exporter: a GraphQL operation with its resolver, service and store calls in one trace; a replicator
 * flush; a batch worker's chunk. The whole service runs in-process on SQLite and chDB.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { createTracing, type Tracing } from '../../../src/tracing';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let service: TestService;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = createTracing('rateline-api', new SimpleSpanProcessor(exporter));
  // A batch of more than 4 prices is copied on its own, in slices.
  service = await startTestService(
    { WORKER_POLL_INTERVAL_MS: '50', REPLICATION_FLUSH_MAX_PRICES: '4' },
    undefined,
    tracing.tracer,
  );
});
afterAll(async () => {
  await service?.stop();
  await tracing?.shutdown();
});

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
const traceOf = (span: ReadableSpan): string => span.spanContext().traceId;

/** The spans of one trace whose ancestors include `root`. */
function descendantsOf(root: ReadableSpan): ReadableSpan[] {
  const inTrace = spans().filter((span) => traceOf(span) === traceOf(root));
  const below = new Set([idOf(root)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of inTrace) {
      const parent = parentOf(span);
      if (parent && below.has(parent) && !below.has(idOf(span))) {
        below.add(idOf(span));
        grew = true;
      }
    }
  }
  return inTrace.filter((span) => span !== root && below.has(idOf(span)));
}

function waitForSpan(what: string, matches: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  return eventually(
    () => spans().find(matches),
    (span) => span !== undefined,
    { what, timeoutMs: 15_000 },
  ) as Promise<ReadableSpan>;
}

let keys = 0;

describe('traces', () => {
  it('records a rates query as an operation span with its resolver, service and store calls below it, in one trace', async () => {
    exporter.reset();
    const response = await service.graphql(
      `query LaneRates { rates(origin: "CNSGH", destination: "north_europe_main", dateFrom: "2016-01-01", dateTo: "2016-01-03") { day averagePrice } }`,
    );
    expect(response.errors).toBeUndefined();
    const operation = await waitForSpan('the operation span', (span) => span.name === 'query LaneRates');
    expect(operation.kind).toBe(SpanKind.SERVER);
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'LaneRates',
    });
    expect(operation.resource.attributes['service.name']).toBe('rateline-api');
    expect(parentOf(operation)).toBeUndefined();

    const below = descendantsOf(operation);
    const resolver = below.find((span) => span.name === 'Query.rates');
    const serviceCall = below.find((span) => span.name === 'RatesService.ratesInCurrency');
    expect(resolver && parentOf(resolver)).toBe(idOf(operation));
    expect(serviceCall && parentOf(serviceCall)).toBe(idOf(resolver!));
    const storeCalls = below.filter((span) => span.kind === SpanKind.CLIENT).map((span) => span.name);
    // The lane's ports from the operational store, the day totals from analytics.
    expect(storeCalls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^operational\.referenceData\./),
        'analytics.totals.dailyPriceTotals',
      ]),
    );
    const analyticsCall = below.find((span) => span.name === 'analytics.totals.dailyPriceTotals')!;
    expect(descendantsOf(serviceCall!)).toContain(analyticsCall);
  });

  async function submitBatch(prices: number): Promise<void> {
    const response = await service.graphql<{ submitPriceBatch: { id: string; status: string } }>(
      `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id status } }`,
      {
        input: {
          idempotencyKey: `traced-${++keys}`,
          items: Array.from({ length: prices }, (_, n) => ({
            originCode: 'CNSGH',
            destinationCode: 'NLRTM',
            day: '2032-01-01',
            price: (n + 1) * 100,
          })),
        },
      },
    );
    expect(response.data?.submitPriceBatch.status).toBe('ACCEPTED');
  }

  it('records each replicator flush as a trace with the replica writes inside it', async () => {
    await submitBatch(3);
    const flush = await waitForSpan(
      'a flush of the batch',
      (span) => span.name === 'replication.flush' && span.attributes['rateline.replication.prices'] === 3,
    );
    expect(parentOf(flush)).toBeUndefined();
    expect(flush.attributes['rateline.replication.changes']).toBe(1);
    expect(descendantsOf(flush).map((span) => span.name)).toEqual(
      expect.arrayContaining([
        'analytics.replica.applyChanges',
        'operational.batches.markReplicated',
        'analytics.replica.saveCheckpoint',
      ]),
    );
  });

  it('records a batch too large for a flush as a trace of its own, with its slices inside it', async () => {
    await submitBatch(5);
    const copy = await waitForSpan(
      'the copy of the large batch',
      (span) => span.name === 'replication.large-batch' && span.attributes['rateline.replication.prices'] === 5,
    );
    expect(parentOf(copy)).toBeUndefined();
    expect(copy.attributes['rateline.replication.changes']).toBe(1);
    expect(descendantsOf(copy).map((span) => span.name)).toEqual(
      expect.arrayContaining([
        'analytics.replica.replicatedThrough',
        'analytics.replica.applyChanges',
        'analytics.replica.saveCheckpoint',
      ]),
    );
  });

  it('records each chunk a batch worker processes as a trace with its store calls inside it', async () => {
    const mutate = async (query: string, variables: Record<string, unknown>) => {
      const response = await service.graphql<Record<string, { id: string }>>(query, variables);
      expect(response.errors).toBeUndefined();
      return Object.values(response.data ?? {})[0]!;
    };
    const { id } = await mutate(`mutation($input: CreateBatchInput!) { createBatch(input: $input) { id } }`, {
      input: { idempotencyKey: `traced-chunked-${++keys}` },
    });
    for (const chunkIndex of [0, 1]) {
      await mutate(
        `mutation($id: ID!, $i: Int!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: $i, items: $items) { id } }`,
        {
          id,
          i: chunkIndex,
          items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2032-02-01', price: 100 }],
        },
      );
    }
    await mutate(`mutation($id: ID!) { commitBatch(batchId: $id) { id } }`, { id });
    const chunkSpan = (index: number) =>
      waitForSpan(
        `the worker's span of chunk ${index}`,
        (span) =>
          span.name === 'batch-worker.chunk' &&
          span.attributes['rateline.batch.id'] === id &&
          span.attributes['rateline.batch.chunk_index'] === index,
      );
    const [first, second] = await Promise.all([chunkSpan(0), chunkSpan(1)]);
    expect(parentOf(first)).toBeUndefined();
    expect(traceOf(first)).not.toBe(traceOf(second));
    expect(descendantsOf(first).map((span) => span.name)).toEqual(
      expect.arrayContaining(['operational.batchWork.chunk', 'operational.batchWork.recordChunk']),
    );
  });

  it('records nothing for store calls outside any trace (readiness pings, polls, scrapes)', async () => {
    exporter.reset();
    expect((await service.get('/readyz')).status).toBe(200);
    expect((await fetch(`${service.running.url}/metrics`)).status).toBe(200);
    // The worker polls the queue every 50 ms meanwhile, and the replicator the feed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const roots = spans().filter((span) => parentOf(span) === undefined);
    // Only the writes of the previous tests' batches may still be arriving.
    expect(roots.filter((span) => !/^(replication|batch-worker)\./.test(span.name)).map((span) => span.name)).toEqual(
      [],
    );
  });
});
