/**
 * A worker process (`dist/src/worker-main.js`) with OTEL_EXPORTER_OTLP_ENDPOINT set posts its traces
 * over OTLP/HTTP: a tiny HTTP server here stands in for the collector and keeps what was posted. The
 * same worker's /metrics tells the batch queue's depth.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openEmbeddedStores } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';
import { ENTRY_POINTS, freePort, processScope, waitForOutput } from '../../helpers/processes';

const processes = processScope();

interface Posted {
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: ExportedTraces;
}

interface ExportedTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: {
      spans: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: unknown[] }[];
    }[];
  }[];
}

let collector: http.Server;
let collectorUrl: string;
const posted: Posted[] = [];

beforeAll(async () => {
  collector = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posted.push({
        url: `${request.method} ${request.url}`,
        contentType: request.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportedTraces,
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
});

const spansPosted = () =>
  posted.flatMap(({ body }) =>
    body.resourceSpans.flatMap((resource) =>
      resource.scopeSpans.flatMap((scope) =>
        scope.spans.map((span) => ({
          ...span,
          service: resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
        })),
      ),
    ),
  );

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

it('posts each chunk it processes to <endpoint>/v1/traces as rateline-worker, and exports the queue depth', async () => {
  // A committed chunked batch of two chunks, waiting in a store no worker runs on yet.
  const stores = await openEmbeddedStores();
  const dataDir = stores.dataDir;
  const item = { originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2035-01-01', price: 100, currency: 'USD' };
  const batch = await stores.ingest.createBatch(TEST_SUPPLIER, {
    idempotencyKey: 'traced-by-a-worker-process',
    skipInvalid: false,
  });
  await stores.ingest.appendBatchItems(TEST_SUPPLIER, batch.id, 0, [item]);
  await stores.ingest.appendBatchItems(TEST_SUPPLIER, batch.id, 1, [item, item]);
  await stores.ingest.commitBatch(TEST_SUPPLIER, batch.id);
  await stores.operational.close();
  await stores.analytics.close();

  const metricsPort = await freePort();
  const worker = processes.start(ENTRY_POINTS.worker, {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    METRICS_PORT: String(metricsPort),
    WORKER_POLL_INTERVAL_MS: '50',
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    // The SDK's own variable: export within 100 ms instead of 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  await waitForOutput(worker, 'batch settled', 60_000);
  const chunks = await eventually(
    () => spansPosted().filter((span) => span.name === 'batch-worker.chunk'),
    (found) => found.length === 2,
    { what: 'both chunk spans posted', timeoutMs: 30_000 },
  );
  expect(posted.every(({ url, contentType }) => url === 'POST /v1/traces' && contentType === 'application/json')).toBe(
    true,
  );
  expect(chunks.map((span) => span.service)).toEqual(['rateline-worker', 'rateline-worker']);
  for (const [index, span] of chunks.entries()) {
    expect(span.attributes).toEqual(
      expect.arrayContaining([
        { key: 'rateline.batch.id', value: { stringValue: batch.id } },
        { key: 'rateline.batch.chunk_index', value: { intValue: index } },
      ]),
    );
  }
  // The store calls of a chunk are its children, in its trace.
  const recordChunk = spansPosted().filter((span) => span.name === 'operational.batchWork.recordChunk');
  expect(recordChunk.map((span) => span.parentSpanId).sort()).toEqual(chunks.map((span) => span.spanId).sort());

  const metrics = await metricsOf(metricsPort);
  expect(metrics).toMatch(/^rateline_batch_queue_waiting 0$/m);
  expect(metrics).toMatch(/^rateline_batch_queue_in_work 0$/m);
  expect(metrics).toMatch(/^rateline_batch_queue_status_up 1$/m);

  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
});
