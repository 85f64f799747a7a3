import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { readReferenceDataset } from '../../src/reference-data';
import { collectGarbage, type BenchContext, type BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { formatCount, formatMet, formatMs, formatSeconds, percentileCells, summarize, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticLanes, type SyntheticLane } from './synthetic-prices';

/**
 * Ingest through the real service: `submitPriceBatch` mutations of {@link BATCH_PRICES} prices each, sent
 * back to back over HTTP (keep-alive, one connection per client), first by one client, then by two at
 * once. Per run it measures
 * - the acknowledgement latency of one batch (request sent → answer parsed; the API answers once the
 *   batch is durable in the operational store),
 * - the sustained ingest rate: all prices of the run over the time from the first request to the last
 *   acknowledgement,
 * - the replication lag of each batch, `replicatedAt - createdAt` as the service reports them (the
 *   moment analytics counted it minus the moment it was recorded), polled after the run.
 *
 * The prices are on the reference dataset's real lanes (lane means as in the synthetic data), on
 * random days of 2021 so that they never fall into the synthetic 2016–2020 range that the rates cases
 * measure, with two decimals, under idempotency keys unique to this run. Request bodies are built before
 * a run starts: the client shares this process (and its CPU) with the service, and building 5 MB of JSON
 * per batch during the run would be charged to the API.
 *
 * Every run adds its prices to the bench dir for good (operational store and analytics): delete
 * BENCH_DATA_DIR to start over.
 *
 * Runs: one client in USD; one client alternating USD and EUR batches (the conversion path: prices in
 * euros converted at each day's rate from the offline table; alternating, so that both currencies see
 * the same load and their ratio of throughput measures the conversion, not the machine); two clients
 * in USD.
 *
 * Environment: BENCH_INGEST_BATCHES (batches per run, default 24 = 1,200,000 prices).
 */

export const BATCH_PRICES = 50_000;
const DEFAULT_BATCHES = 24;
const WARMUP_BATCHES = 2;
/** The brief's targets (embedded shape, 2 cores). */
const TARGET_ACK_MS = 1_000;
const TARGET_PRICES_PER_SECOND = 100_000;
const TARGET_LAG_P99_MS = 2_000;
/** How long to wait for the replicator to count every batch of a run. */
const REPLICATION_TIMEOUT_MS = 10 * 60_000;
const POLL_INTERVAL_MS = 100;

const SUBMIT_MUTATION = `mutation Submit($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { id status acceptedCount createdAt }
}`;
const BATCH_QUERY = 'query Batch($id: ID!) { batch(id: $id) { id createdAt replicatedAt } }';

interface GraphqlAnswer<Data> {
  readonly data?: Data | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: unknown }[];
}
type SubmitAnswer = GraphqlAnswer<{
  readonly submitPriceBatch: { id: string; status: string; acceptedCount: number; createdAt: string };
}>;
type BatchAnswer = GraphqlAnswer<{
  readonly batch: { id: string; createdAt: string; replicatedAt: string | null } | null;
}>;

export function batchesFromEnv(): number {
  const raw = process.env.BENCH_INGEST_BATCHES?.trim().replace(/[_,]/g, '');
  if (raw === undefined || raw === '') return DEFAULT_BATCHES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new Error(`BENCH_INGEST_BATCHES must be a positive whole number (got "${raw}")`);
  }
  return Number(raw);
}

/** Every day of 2021 as YYYY-MM-DD. */
const DAYS_2021 = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2021, 0, 1 + i)).toISOString().slice(0, 10));

/**
 * The currency of a run's prices: USD, or EUR to measure the conversion path (a prefetch of the
 * batch's distinct (currency, day) pairs from the offline table, then exact conversion per item; the
 * shipped ECB table covers 2021).
 */
export type BenchCurrency = 'USD' | 'EUR';

/**
 * A random price on one of the lanes, on a random day of 2021, within 85–115 % of the lane's mean, in
 * hundredths of the currency: `scale` converts the lane's dollars into it (1 for USD).
 */
export function randomPrice(
  lanes: readonly SyntheticLane[],
  scale = 1,
): { lane: SyntheticLane; day: string; minor: number } {
  const lane = lanes[Math.floor(Math.random() * lanes.length)] as SyntheticLane;
  const day = DAYS_2021[Math.floor(Math.random() * DAYS_2021.length)] as string;
  return { lane, day, minor: Math.round(lane.meanUsd * scale * (85 + 30 * Math.random())) };
}

/** One request body: `BATCH_PRICES` random prices on the lanes, as UTF-8 JSON. */
export function batchBody(lanes: readonly SyntheticLane[], idempotencyKey: string, currency: BenchCurrency): Buffer {
  const items: string[] = new Array<string>(BATCH_PRICES);
  // Euro amounts near the lane means at about 1.18 USD/EUR (2021's level), so the USD values match.
  const scale = currency === 'USD' ? 1 : 1 / 1.18;
  for (let i = 0; i < BATCH_PRICES; i += 1) {
    const { lane, day, minor } = randomPrice(lanes, scale);
    const price = minor / 100;
    items[i] =
      `{"originCode":"${lane.origin}","destinationCode":"${lane.destination}","day":"${day}",` +
      `"price":${price},"currency":"${currency}"}`;
  }
  const variables = `{"input":{"idempotencyKey":${JSON.stringify(idempotencyKey)},"items":[${items.join(',')}]}}`;
  return Buffer.from(`{"query":${JSON.stringify(SUBMIT_MUTATION)},"variables":${variables}}`, 'utf8');
}

function graphqlFailure(what: string, status: number, answer: GraphqlAnswer<unknown>): Error {
  return new Error(`${what}: HTTP ${status} ${JSON.stringify(answer.errors ?? answer).slice(0, 2_000)}`);
}

interface Acknowledged {
  readonly id: string;
  readonly ackMs: number;
  /** CPU time of this whole process (service, replicator, client) while the batch was in flight. */
  readonly cpuMs: number;
  readonly currency: BenchCurrency;
}

interface Body {
  readonly currency: BenchCurrency;
  readonly body: Buffer;
}

async function submit(client: BenchGraphqlClient, { body, currency }: Body): Promise<Acknowledged> {
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  const response = await client.post(body);
  const ackMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const answer = response.json as SubmitAnswer;
  const batch = answer.data?.submitPriceBatch;
  if (response.status !== 200 || answer.errors?.length || !batch) {
    throw graphqlFailure('submitPriceBatch', response.status, answer);
  }
  if (batch.status !== 'ACCEPTED' || batch.acceptedCount !== BATCH_PRICES) {
    throw new Error(`submitPriceBatch: batch ${batch.id} is ${batch.status} with ${batch.acceptedCount} prices`);
  }
  return { id: batch.id, ackMs, cpuMs, currency };
}

interface Replicated {
  readonly lagMs: number;
  /** Epoch ms. */
  readonly replicatedAt: number;
}

/** Polls `batch(id)` until every batch has a `replicatedAt`; resolves with each batch's lag. */
async function awaitReplication(client: BenchGraphqlClient, ids: readonly string[]): Promise<Map<string, Replicated>> {
  const done = new Map<string, Replicated>();
  const deadline = Date.now() + REPLICATION_TIMEOUT_MS;
  for (;;) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const response = await client.post(JSON.stringify({ query: BATCH_QUERY, variables: { id } }));
      const answer = response.json as BatchAnswer;
      const batch = answer.data?.batch;
      if (response.status !== 200 || answer.errors?.length || !batch) {
        throw graphqlFailure(`batch(${id})`, response.status, answer);
      }
      if (batch.replicatedAt !== null) {
        const replicatedAt = Date.parse(batch.replicatedAt);
        done.set(id, { replicatedAt, lagMs: replicatedAt - Date.parse(batch.createdAt) });
      }
    }
    if (done.size === ids.length) return done;
    if (Date.now() > deadline) {
      throw new Error(
        `${ids.length - done.size} of ${ids.length} batches not replicated after ${REPLICATION_TIMEOUT_MS} ms`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Cross-checks `replicatedAt`: analytics hold every price of the batches, once. */
async function checkCounted(context: BenchContext, ids: readonly string[]): Promise<void> {
  const result = await context.direct.query({
    query: `SELECT count() AS n FROM ${context.config.clickhouse.database}.prices WHERE batch_id IN {ids:Array(String)}`,
    query_params: { ids },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: number | string }>();
  const counted = Number(row?.n ?? 0);
  if (counted !== ids.length * BATCH_PRICES) {
    throw new Error(
      `analytics hold ${counted} prices of ${ids.length} replicated batches, not ${ids.length * BATCH_PRICES}`,
    );
  }
}

/** USD or EUR batches, or both alternating batch by batch (an A/B run: both see the same machine load). */
type RunCurrency = BenchCurrency | 'USD/EUR';

export interface IngestRun {
  readonly clients: number;
  readonly currency: RunCurrency;
  readonly acknowledged: readonly Acknowledged[];
  readonly replicated: ReadonlyMap<string, Replicated>;
  /** First request sent → last acknowledgement. */
  readonly seconds: number;
  /** Epoch ms of the first request. */
  readonly startedAt: number;
  /** CPU time of this process (service, replicator and client) over the same span, in seconds. */
  readonly cpuSeconds: number;
}

/**
 * Sends `batches` batches, spread over `clients` clients that each send theirs back to back, then waits
 * until all are replicated.
 */
export async function ingestRun(
  context: BenchContext,
  lanes: readonly SyntheticLane[],
  keyPrefix: string,
  batches: number,
  clients: number,
  currency: RunCurrency = 'USD',
  /** Runs alongside the writers from their first request; told to stop once the last is acknowledged. */
  meanwhile?: (stop: AbortSignal) => Promise<void>,
): Promise<IngestRun> {
  const url = `${context.running.url}/graphql`;
  // USD, EUR, EUR, USD, …: each currency comes first and second in its pair equally often. Plain
  // alternation measured the second batch of each pair slower whichever currency it was (EUR ÷ USD 0.87×
  // with USD first, 1.01× with EUR first): the replicator's flush of a batch lands in the next request.
  const currencyOf = (i: number): BenchCurrency =>
    currency === 'USD/EUR' ? (i % 4 === 0 || i % 4 === 3 ? 'USD' : 'EUR') : currency;
  const bodies = Array.from({ length: clients }, (_, c) =>
    Array.from({ length: Math.ceil((batches - c) / clients) }, (_, i): Body => {
      const bodyCurrency = currencyOf(i);
      return { currency: bodyCurrency, body: batchBody(lanes, `${keyPrefix}-${c}-${i}`, bodyCurrency) };
    }),
  );
  const connections = bodies.map(() => new BenchGraphqlClient(url, context.apiKey));
  const poller = new BenchGraphqlClient(url, context.apiKey);
  try {
    collectGarbage();
    const acknowledged: Acknowledged[] = [];
    const startedAt = Date.now();
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const stop = new AbortController();
    // Awaited after the writers; caught meanwhile so that its failure does not end the process first.
    const alongside = meanwhile?.(stop.signal).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    await Promise.all(
      connections.map(async (connection, c) => {
        for (const body of bodies[c] ?? []) acknowledged.push(await submit(connection, body));
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    stop.abort();
    const failed = await alongside;
    if (failed) throw failed;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    bodies.length = 0;
    const ids = acknowledged.map((a) => a.id);
    const replicated = await awaitReplication(poller, ids);
    await checkCounted(context, ids);
    return { clients, currency, acknowledged, replicated, seconds, startedAt, cpuSeconds };
  } finally {
    for (const connection of [...connections, poller]) connection.close();
  }
}

export function rowsOf(context: BenchContext, run: IngestRun): BenchRow[] {
  const who = `${run.clients === 1 ? '1 client' : `${run.clients} clients`}${run.currency === 'USD' ? '' : `, ${run.currency}`}`;
  const prices = run.acknowledged.length * BATCH_PRICES;
  const rate = prices / run.seconds;
  const ack = summarize(run.acknowledged.map((a) => a.ackMs));
  const lag = summarize([...run.replicated.values()].map((r) => r.lagMs));
  const lastCounted = Math.max(...[...run.replicated.values()].map((r) => r.replicatedAt));
  const countedRate = prices / ((lastCounted - run.startedAt) / 1000);
  context.progress(
    `ingest, ${who}: ${formatCount(prices)} prices acknowledged in ${formatSeconds(run.seconds)} ` +
      `(${formatCount(Math.round(rate))} prices/s, process CPU ${formatSeconds(run.cpuSeconds)} = ` +
      `${(run.cpuSeconds / run.seconds).toFixed(2)} cores); ack p50 ${formatMs(ack.p50)} p95 ${formatMs(ack.p95)} ` +
      `max ${formatMs(ack.max)} ms; lag p50 ${formatMs(lag.p50)} p99 ${formatMs(lag.p99)} max ${formatMs(lag.max)} ms; ` +
      `all counted in analytics ${formatSeconds((lastCounted - run.startedAt) / 1000)} after the first request ` +
      `(${formatCount(Math.round(countedRate))} prices/s end to end)`,
  );
  return [
    {
      name: `ingest, ${who}: ack of one ${formatCount(BATCH_PRICES)}-price batch, ms`,
      cells: new Map([
        ...percentileCells(ack),
        ['target', `max < ${formatCount(TARGET_ACK_MS)}`],
        ['met', formatMet(ack.max < TARGET_ACK_MS)],
      ]),
    },
    {
      name: `ingest, ${who}: sustained prices/s (${formatCount(prices)} prices)`,
      cells: new Map([
        ['n', formatCount(run.acknowledged.length)],
        ['whole run', formatCount(Math.round(rate))],
        ['target', `≥ ${formatCount(TARGET_PRICES_PER_SECOND)}`],
        ['met', formatMet(rate >= TARGET_PRICES_PER_SECOND)],
      ]),
    },
    {
      name: `ingest, ${who}: replication lag per batch, ms`,
      cells: new Map([
        ...percentileCells(lag),
        ['target', `p99 < ${formatCount(TARGET_LAG_P99_MS)}`],
        ['met', formatMet(lag.p99 < TARGET_LAG_P99_MS)],
      ]),
    },
  ];
}

/** Most throughput the conversion path may cost (issue 5): EUR batches at ≥ 90 % of USD's prices/s. */
const TARGET_CONVERSION_RATIO = 0.9;

/**
 * The conversion path's cost from an alternating run: one client sends USD and EUR batches in turn,
 * back to back, so each batch's acknowledgement time is its throughput (50,000 prices / ack time) and
 * both currencies see the same machine (two cores shared with anything else running). Rows: each
 * currency's acknowledgements, then EUR's throughput as a fraction of USD's (sum of USD ack times over
 * sum of EUR ack times; beside it the p50 ratio, and the ratio of this process's CPU time per batch,
 * which other processes on the machine disturb less than wall time).
 */
function conversionRows(context: BenchContext, run: IngestRun): BenchRow[] {
  const of = (currency: BenchCurrency, value: (a: Acknowledged) => number) =>
    run.acknowledged.filter((a) => a.currency === currency).map(value);
  const total = (values: number[]) => values.reduce((sum, v) => sum + v, 0);
  const [usd, eur] = [of('USD', (a) => a.ackMs), of('EUR', (a) => a.ackMs)];
  const ratio = total(usd) / usd.length / (total(eur) / eur.length);
  const p50Ratio = summarize(usd).p50 / summarize(eur).p50;
  // CPU time per batch does not grow when other processes take the cores: the steadier comparison.
  const cpuRatio = total(of('USD', (a) => a.cpuMs)) / total(of('EUR', (a) => a.cpuMs));
  const ackRow = (currency: BenchCurrency, values: number[]): BenchRow => {
    return {
      name: `ingest, 1 client, USD/EUR alternating: ack of one ${currency} batch, ms`,
      cells: new Map(percentileCells(summarize(values))),
    };
  };
  context.progress(
    `conversion: EUR batches at ${(ratio * 100).toFixed(1)} % of USD's throughput (p50: ${(p50Ratio * 100).toFixed(1)} %; ` +
      `process CPU per batch USD ÷ EUR ${(cpuRatio * 100).toFixed(1)} %)`,
  );
  return [
    ackRow('USD', usd),
    ackRow('EUR', eur),
    {
      name: `ingest, 1 client: EUR ÷ USD prices/s, alternating (p50 ${p50Ratio.toFixed(2)}×, CPU ${cpuRatio.toFixed(2)}×)`,
      cells: new Map([
        ['n', formatCount(run.acknowledged.length)],
        ['whole run', `${ratio.toFixed(3)}×`],
        ['target', `≥ ${TARGET_CONVERSION_RATIO.toFixed(2)}×`],
        ['met', formatMet(ratio >= TARGET_CONVERSION_RATIO)],
      ]),
    },
  ];
}

export const ingestSection: BenchSection = {
  name: 'ingest',
  async run(context) {
    const batches = batchesFromEnv();
    const lanes = syntheticLanes(readReferenceDataset(), DEFAULT_SYNTHETIC_OPTIONS.seed);
    const runKey = `bench-ingest-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
    context.progress(`ingest warm-up: ${WARMUP_BATCHES} batches of ${formatCount(BATCH_PRICES)} prices (USD, EUR)`);
    await ingestRun(context, lanes, `${runKey}-warmup`, WARMUP_BATCHES, 1);
    await ingestRun(context, lanes, `${runKey}-warmup-eur`, WARMUP_BATCHES, 1, 'EUR');
    const rows: BenchRow[] = [];
    const runs: { clients: number; currency: RunCurrency }[] = [
      { clients: 1, currency: 'USD' },
      { clients: 1, currency: 'USD/EUR' },
      { clients: 2, currency: 'USD' },
    ];
    for (const { clients, currency } of runs) {
      context.progress(
        `ingest, ${clients} client(s), ${currency}: ${batches} batches of ${formatCount(BATCH_PRICES)} prices back to back`,
      );
      const key = `${runKey}-c${clients}-${currency.replace('/', '-')}`;
      const run = await ingestRun(context, lanes, key, batches, clients, currency);
      rows.push(...(currency === 'USD/EUR' ? conversionRows(context, run) : rowsOf(context, run)));
      const memory = process.memoryUsage();
      const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
      context.progress(
        `memory after the run: rss ${mib(memory.rss)}, heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)}, ` +
          `external ${mib(memory.external)}`,
      );
    }
    return rows;
  },
};
