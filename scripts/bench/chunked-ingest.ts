import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { readReferenceDataset } from '../../src/reference-data';
import { collectGarbage, positiveIntegerFromEnv, type BenchContext, type BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { formatCount, formatMet, formatMs, formatSeconds, percentileCells, summarize, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticLanes, type SyntheticLane } from './synthetic-prices';

/**
 * One 1,000,000-price batch through the chunked protocol of the real service: `createBatch`, 100
 * `appendBatchItems` chunks of 10,000 prices (the README's advice) sent back to back, `commitBatch`, then `batch(id)` polled
 * until `replicatedAt` says analytics count it (checked against ClickHouse directly). Meanwhile a second
 * client sends a small `rates` query back to back (a dashboard user), so that the rows show what the
 * batch costs everyone else: the worst latency of any request during the run (chunks, commit, polls,
 * probes) is the "every request answered well under 2 s".
 *
 * Prices are on the reference dataset's lanes on days of 2022, outside the synthetic years and the
 * ingest section's 2021; each run adds its batch to the bench dir for good.
 *
 * Environment: BENCH_CHUNKED_PRICES (1,000,000), BENCH_CHUNK_PRICES (10,000).
 */

const DEFAULT_TOTAL = 1_000_000;
const DEFAULT_CHUNK = 10_000;
const TARGET_WORST_MS = 2_000;
const TIMEOUT_MS = 10 * 60_000;

const DAYS_2022 = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10));
const PROBE = JSON.stringify({
  query:
    'query Probe { rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2019-01-01", dateTo: "2019-01-31") { day averagePrice } }',
});

interface Answer {
  readonly data?: Record<string, { id: string; status: string; acceptedCount: number; replicatedAt?: string | null }>;
  readonly errors?: unknown[];
}

function chunkBody(lanes: readonly SyntheticLane[], batchId: string, chunkIndex: number, prices: number): Buffer {
  const items: string[] = new Array<string>(prices);
  for (let i = 0; i < prices; i += 1) {
    const lane = lanes[Math.floor(Math.random() * lanes.length)] as SyntheticLane;
    const day = DAYS_2022[Math.floor(Math.random() * DAYS_2022.length)] as string;
    const price = Math.round(lane.meanUsd * (85 + 30 * Math.random())) / 100;
    items[i] =
      `{"originCode":"${lane.origin}","destinationCode":"${lane.destination}","day":"${day}","price":${price}}`;
  }
  const query =
    'mutation Append($id: ID!, $i: Int!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: $i, items: $items) { id status } }';
  return Buffer.from(
    `{"query":${JSON.stringify(query)},"variables":{"id":${JSON.stringify(batchId)},"i":${chunkIndex},"items":[${items.join(',')}]}}`,
  );
}

/** Posts and checks for errors; resolves with the field's answer and the request's latency. */
async function call(client: BenchGraphqlClient, body: string | Buffer, field: string, latencies: number[]) {
  const start = performance.now();
  const response = await client.post(body);
  latencies.push(performance.now() - start);
  const answer = response.json as Answer;
  const value = answer.data?.[field];
  if (response.status !== 200 || answer.errors?.length || !value) {
    throw new Error(`${field}: HTTP ${response.status} ${JSON.stringify(answer).slice(0, 1_000)}`);
  }
  return value;
}

export const chunkedIngestSection: BenchSection = {
  name: 'chunked ingest',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const total = positiveIntegerFromEnv('BENCH_CHUNKED_PRICES', DEFAULT_TOTAL);
    const chunkSize = positiveIntegerFromEnv('BENCH_CHUNK_PRICES', DEFAULT_CHUNK);
    const chunks = Math.ceil(total / chunkSize);
    const lanes = syntheticLanes(readReferenceDataset(), DEFAULT_SYNTHETIC_OPTIONS.seed);
    const url = `${context.running.url}/graphql`;
    const writer = new BenchGraphqlClient(url, context.apiKey);
    const prober = new BenchGraphqlClient(url, context.apiKey);
    const appendMs: number[] = [];
    const otherMs: number[] = [];
    const probeMs: number[] = [];
    try {
      const key = `bench-chunked-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
      const created = await call(
        writer,
        JSON.stringify({
          query: `mutation { createBatch(input: { idempotencyKey: "${key}" }) { id status acceptedCount } }`,
        }),
        'createBatch',
        otherMs,
      );
      context.progress(`chunked ingest: building ${chunks} chunks of ${formatCount(chunkSize)} prices`);
      const bodies = Array.from({ length: chunks }, (_, i) =>
        chunkBody(lanes, created.id, i, Math.min(chunkSize, total - i * chunkSize)),
      );
      collectGarbage();
      let running = true;
      const probing = (async () => {
        while (running) {
          await call(prober, PROBE, 'rates', probeMs);
          await sleep(20);
        }
      })();
      const start = performance.now();
      const startedAt = Date.now();
      for (const body of bodies) await call(writer, body, 'appendBatchItems', appendMs);
      bodies.length = 0;
      const query = (q: string) => JSON.stringify({ query: q, variables: { id: created.id } });
      await call(
        writer,
        query('mutation($id: ID!) { commitBatch(batchId: $id) { id status acceptedCount } }'),
        'commitBatch',
        otherMs,
      );
      const committedSeconds = (performance.now() - start) / 1000;
      let batch = created;
      const deadline = Date.now() + TIMEOUT_MS;
      while (!batch.replicatedAt) {
        if (Date.now() > deadline) throw new Error(`batch ${created.id} not counted after ${TIMEOUT_MS} ms`);
        await sleep(100);
        batch = await call(
          writer,
          query('query($id: ID!) { batch(id: $id) { id status acceptedCount replicatedAt } }'),
          'batch',
          otherMs,
        );
      }
      running = false;
      await probing;
      const countedSeconds = (Date.parse(batch.replicatedAt) - startedAt) / 1000;
      if (batch.status !== 'ACCEPTED' || batch.acceptedCount !== total) {
        throw new Error(`batch ${created.id} is ${batch.status} with ${batch.acceptedCount} of ${total} prices`);
      }
      const result = await context.direct.query({
        query: `SELECT count() AS n FROM ${context.config.clickhouse.database}.prices WHERE batch_id = {id:String}`,
        query_params: { id: created.id },
        format: 'JSONEachRow',
      });
      const counted = Number((await result.json<{ n: number | string }>())[0]?.n ?? 0);
      if (counted !== total) throw new Error(`analytics hold ${counted} prices of batch ${created.id}, not ${total}`);

      const append = summarize(appendMs);
      const probe = summarize(probeMs);
      const worst = Math.max(append.max, probe.max, ...otherMs);
      context.progress(
        `chunked ingest: ${formatCount(total)} prices sent and committed in ${formatSeconds(committedSeconds)}, ` +
          `counted ${formatSeconds(countedSeconds)} after the first chunk (${formatCount(Math.round(total / countedSeconds))} ` +
          `prices/s end to end); append p50 ${formatMs(append.p50)} max ${formatMs(append.max)} ms; probe p50 ` +
          `${formatMs(probe.p50)} p99 ${formatMs(probe.p99)} max ${formatMs(probe.max)} ms; worst request ${formatMs(worst)} ms`,
      );
      return [
        {
          name: `chunked batch of ${formatCount(total)} prices: first chunk → counted in analytics, s`,
          cells: new Map([
            ['whole run', formatSeconds(countedSeconds)],
            ['n', formatCount(chunks)],
          ]),
        },
        {
          name: `chunked batch: append of one ${formatCount(chunkSize)}-price chunk, ms`,
          cells: new Map(percentileCells(append)),
        },
        {
          name: 'chunked batch: rates query of another client meanwhile, ms',
          cells: new Map(percentileCells(probe)),
        },
        {
          name: 'chunked batch: worst latency of any request during it, ms',
          cells: new Map([
            ['max', formatMs(worst)],
            ['target', `< ${formatCount(TARGET_WORST_MS)}`],
            ['met', formatMet(worst < TARGET_WORST_MS)],
          ]),
        },
      ];
    } finally {
      writer.close();
      prober.close();
    }
  },
};
