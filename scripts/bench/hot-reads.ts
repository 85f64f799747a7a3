import { readReferenceDataset } from '../../src/reference-data';
import type { BenchContext, BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { runHttpLoad, type LoadResult } from './http-load';
import { batchBody } from './ingest';
import { formatCount, formatMet, formatMs, formatRatio, summarize, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticLanes } from './synthetic-prices';

/**
 * Hot reads (the answer cache): 50 concurrent clients, on a worker thread of their own, over a hot
 * set of 20 distinct `rates` questions, with the cache and with the same service started with
 * ANSWER_CACHE=off, and `{ __typename }` as the floor of the path every request takes; 50 clients over questions never asked before (each a miss: what the engine and
 * its pre-aggregation give); and freshness under ingest: from a batch's `replicatedAt` to the first
 * answer that counts it while another client submits 50,000-price batches back to back.
 */

const CLIENTS = 50;
const LOAD_MS = 10_000;
const WARMUP_MS = 2_000;
const PROBES = 20;
/** The bars: the hot set at least 20× the uncached throughput of the same run, p99 under 30 ms. */
const TARGET_SPEEDUP = 20;
const TARGET_HOT_P99_MS = 30;

const LANES: readonly (readonly [string, string])[] = [
  ['china_main', 'north_europe_main'],
  ['CNSGH', 'NLRTM'],
  ['CNSGH', 'north_europe_main'],
  ['china_main', 'NLRTM'],
];

const RATES_QUERY = `query Rates($origin: String!, $destination: String!, $dateFrom: Date!, $dateTo: Date!) {
  rates(origin: $origin, destination: $destination, dateFrom: $dateFrom, dateTo: $dateTo) { day averagePrice priceCount }
}`;

const ratesBody = (origin: string, destination: string, dateFrom: string, dateTo: string): string =>
  JSON.stringify({ query: RATES_QUERY, variables: { origin, destination, dateFrom, dateTo } });

const isoDay = (epochDay: number): string => new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
const epochDayOf = (day: string): number => Date.parse(day) / 86_400_000;

/** Four lanes × five months of 2019: a region → region month is about 50,000 prices. */
function hotSet(): string[] {
  return LANES.flatMap(([origin, destination]) =>
    [1, 2, 3, 4, 5].map((month) => {
      const from = Date.UTC(2019, month - 1, 1) / 86_400_000;
      const to = Date.UTC(2019, month, 0) / 86_400_000;
      return ratesBody(origin, destination, isoDay(from), isoDay(to));
    }),
  );
}

/** Distinct month-long ranges starting on every day of 2016–2020, on the four lanes: none asked before. */
function coldQuestions(): string[] {
  const first = epochDayOf('2016-01-01');
  const last = epochDayOf('2020-11-30');
  const bodies: string[] = [];
  for (let offset = 0; first + offset <= last; offset++) {
    for (const [origin, destination] of LANES) {
      bodies.push(ratesBody(origin, destination, isoDay(first + offset), isoDay(first + offset + 29)));
    }
  }
  // Shuffled (deterministically), so that clients do not walk the same region of the data in step.
  let seed = 7;
  for (let i = bodies.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [bodies[i], bodies[j]] = [bodies[j] as string, bodies[i] as string];
  }
  return bodies;
}

function loadRow(name: string, result: LoadResult, target?: { text: string; met: boolean }): BenchRow {
  if (result.failures > 0) throw new Error(`${name}: ${result.failures} failed answers, e.g. ${result.firstFailure}`);
  const stats = summarize(result.latenciesMs);
  return {
    name,
    cells: new Map([
      ['requests', formatCount(result.latenciesMs.length)],
      ['requests/s', formatCount(Math.round(result.latenciesMs.length / (result.elapsedMs / 1000)))],
      ['p50 ms', formatMs(stats.p50)],
      ['p99 ms', formatMs(stats.p99)],
      ['max ms', formatMs(stats.max)],
      ...(target
        ? ([
            ['target', target.text],
            ['met', formatMet(target.met)],
          ] as const)
        : []),
    ]),
  };
}

const perSecond = (result: LoadResult): number => result.latenciesMs.length / (result.elapsedMs / 1000);

async function hotSetLoad(context: BenchContext, bodies: readonly string[]): Promise<LoadResult> {
  const options = { url: `${context.running.url}/graphql`, apiKey: context.apiKey, clients: CLIENTS, bodies };
  await runHttpLoad({ ...options, order: 'cycle', durationMs: WARMUP_MS });
  return runHttpLoad({ ...options, order: 'cycle', durationMs: LOAD_MS });
}

interface GraphqlAnswer<T> {
  readonly data?: T;
  readonly errors?: readonly unknown[];
}

async function ask<T>(client: BenchGraphqlClient, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await client.post(JSON.stringify({ query, variables }));
  const answer = response.json as GraphqlAnswer<T>;
  if (response.status !== 200 || answer.errors?.length || !answer.data) {
    throw new Error(`${query.slice(0, 60)}…: HTTP ${response.status} ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer.data;
}

/**
 * One probe price per day from 2031 on (a day nobody else writes), then `rates` of that day asked back
 * to back until it counts the price; the delay is measured from the batch's `replicatedAt` (negative
 * when an answer counted it before the batch was marked). Meanwhile a second client keeps ingesting.
 */
async function freshnessUnderIngest(context: BenchContext): Promise<BenchRow> {
  const url = `${context.running.url}/graphql`;
  const lanes = syntheticLanes(readReferenceDataset(), DEFAULT_SYNTHETIC_OPTIONS.seed);
  const ingestClient = new BenchGraphqlClient(url, context.apiKey);
  const probeClient = new BenchGraphqlClient(url, context.apiKey);
  const run = Date.now().toString(36);
  let ingesting = true;
  let ingested = 0;
  const ingest = (async () => {
    for (let i = 0; ingesting; i++) {
      const response = await ingestClient.post(batchBody(lanes, `hot-reads-${run}-${i}`, 'USD'));
      if (response.status !== 200) throw new Error(`ingest under the probes: HTTP ${response.status}`);
      ingested++;
    }
  })();
  const delaysMs: number[] = [];
  try {
    const dayCount = async (day: string): Promise<number> =>
      (
        await ask<{ rates: { priceCount: number }[] }>(
          probeClient,
          `query($day: Date!) { rates(origin: "CNSGH", destination: "NLRTM", dateFrom: $day, dateTo: $day) { priceCount } }`,
          { day },
        )
      ).rates[0]?.priceCount ?? 0;
    for (let probe = 0; probe < PROBES; probe++) {
      // Earlier runs on this data dir left their probes there: count what is new.
      const day = isoDay(epochDayOf('2031-01-01') + probe);
      const before = await dayCount(day);
      const { submitPriceBatch } = await ask<{ submitPriceBatch: { id: string } }>(
        probeClient,
        `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id } }`,
        {
          input: {
            idempotencyKey: `probe-${run}-${probe}`,
            items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day, price: 1000 }],
          },
        },
      );
      while ((await dayCount(day)) === before);
      const countedAt = Date.now();
      const { batch } = await ask<{ batch: { replicatedAt: string | null } }>(
        probeClient,
        `query($id: ID!) { batch(id: $id) { replicatedAt } }`,
        { id: submitPriceBatch.id },
      );
      let replicatedAt = batch.replicatedAt;
      while (replicatedAt === null) {
        replicatedAt = (
          await ask<{ batch: { replicatedAt: string | null } }>(
            probeClient,
            `query($id: ID!) { batch(id: $id) { replicatedAt } }`,
            {
              id: submitPriceBatch.id,
            },
          )
        ).batch.replicatedAt;
      }
      delaysMs.push(countedAt - Date.parse(replicatedAt));
    }
  } finally {
    ingesting = false;
    await ingest;
    ingestClient.close();
    probeClient.close();
  }
  const stats = summarize(delaysMs);
  context.progress(
    `freshness: ${PROBES} probes during ${ingested} ingested batches; replicatedAt → first counting answer ` +
      `p50 ${formatMs(stats.p50)} p99 ${formatMs(stats.p99)} max ${formatMs(stats.max)} ms`,
  );
  return {
    name: `freshness under ingest: replicatedAt → first answer counting it (${PROBES} probes)`,
    cells: new Map([
      ['requests', formatCount(PROBES)],
      ['p50 ms', formatMs(stats.p50)],
      ['p99 ms', formatMs(stats.p99)],
      ['max ms', formatMs(stats.max)],
    ]),
  };
}

export const hotReadsSection: BenchSection = {
  name: 'hot-reads',
  async run(context) {
    const hot = hotSet();
    await context.restartService({ ANSWER_CACHE: 'on' });
    const cached = await hotSetLoad(context, hot);
    context.progress(`hot set, cache on: ${formatCount(Math.round(perSecond(cached)))} requests/s`);
    // What the HTTP and GraphQL path alone costs under the same load: the ceiling of any cache.
    const floor = await hotSetLoad(context, [JSON.stringify({ query: '{ __typename }' })]);
    context.progress(`{ __typename }: ${formatCount(Math.round(perSecond(floor)))} requests/s`);
    const cold = await runHttpLoad({
      url: `${context.running.url}/graphql`,
      apiKey: context.apiKey,
      clients: CLIENTS,
      bodies: coldQuestions(),
      order: 'once',
      durationMs: LOAD_MS,
    });
    context.progress(`cold questions: ${formatCount(Math.round(perSecond(cold)))} requests/s`);
    const freshness = await freshnessUnderIngest(context);
    await context.restartService({ ANSWER_CACHE: 'off' });
    const uncached = await hotSetLoad(context, hot);
    context.progress(`hot set, cache off: ${formatCount(Math.round(perSecond(uncached)))} requests/s`);
    const speedup = perSecond(cached) / perSecond(uncached);
    const hotSummary = summarize(cached.latenciesMs);
    return [
      loadRow(
        `${CLIENTS} clients, hot set of ${hot.length} rates questions, cache on (${formatRatio(speedup)} off)`,
        cached,
        {
          text: `≥ ${TARGET_SPEEDUP}× off, p99 < ${TARGET_HOT_P99_MS} ms`,
          met: speedup >= TARGET_SPEEDUP && hotSummary.p99 < TARGET_HOT_P99_MS,
        },
      ),
      loadRow(`${CLIENTS} clients, \`{ __typename }\` (HTTP, authentication, limits, Apollo: no read at all)`, floor),
      loadRow(`${CLIENTS} clients, the same hot set, ANSWER_CACHE=off`, uncached),
      loadRow(`${CLIENTS} clients, distinct questions never asked before (every one a miss)`, cold),
      freshness,
    ];
  },
};
