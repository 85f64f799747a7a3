/**
 * Invariant 5 (docs/invariants.md) in a rolling restart (issue 4): two embedded nodes share one SQLite
 * operational store, each with its own chDB replica fed by its own in-process replicator, behind a
 * round-robin proxy (test/helpers/round-robin-proxy.ts). Clients keep submitting batches (whole and chunked) and asking
 * rates through the proxy while node A, then node B, gets SIGTERM and is started again. Every request
 * must succeed, and in the end each node's analytics must count every acknowledged batch exactly once,
 * compared with an oracle computed here from the prices the clients sent.
 *
 * The nodes run as deployed (NODE_ENV=production, API keys), not with the NODE_ENV=test that jest
 * would pass on to its children.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../../../scripts/seeded-random';
import { projectRoot } from '../../../src/paths/project-root';
import { eventually } from '../../helpers/eventually';
import { freePort, processScope, type StartedProcess } from '../../helpers/processes';
import { expectedGraphqlRates } from '../../helpers/reference-answers';
import { startRoundRobinProxy, type RoundRobinProxy } from '../../helpers/round-robin-proxy';

/** Named in the test's title, so that a failing run can be replayed with ROLLING_TEST_SEED. */
const SEED = Number(process.env.ROLLING_TEST_SEED ?? Date.now() % 100_000);
/** Clients that submit a batch, then ask rates, then pause THINK_MS, in rounds. */
const WRITERS = 2;
/** Clients that only ask rates, without pause: they keep requests in flight when a node gets SIGTERM. */
const READERS = 2;
/** A writer's pause between rounds: a client's think time, which keeps the two cores from saturating. */
const THINK_MS = 50;
const YEAR = 2033;
const LANE = { originCode: 'CNSGH', destinationCode: 'NOTRD' } as const;
const API_KEY = 'rl_rolling_restart_test_key';
const PHASES = ['before', 'restart A', 'restart B', 'after'] as const;
type Phase = (typeof PHASES)[number];

const SUBMIT = `mutation($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { id status itemCount acceptedCount } }`;
const CREATE = `mutation($input: CreateBatchInput!) { createBatch(input: $input) { id status } }`;
const APPEND = `mutation($batchId: ID!, $chunkIndex: Int!, $items: [PriceItemInput!]!) {
  appendBatchItems(batchId: $batchId, chunkIndex: $chunkIndex, items: $items) { id status chunkCount } }`;
const COMMIT = `mutation($batchId: ID!) { commitBatch(batchId: $batchId) { id status } }`;
const RATES_2016 = `{ rates(origin: "CNSGH", destination: "NOTRD", dateFrom: "2016-01-01", dateTo: "2016-01-31") {
  day averagePrice priceCount } }`;
const RATES_YEAR = `{ rates(origin: "CNSGH", destination: "NOTRD", dateFrom: "${YEAR}-01-01", dateTo: "${YEAR}-12-31",
  minPrices: 1) { day averagePrice priceCount } }`;
const EXPECTED_2016 = expectedGraphqlRates('CNSGH', 'NOTRD', '2016-01-01', '2016-01-31');

interface Item {
  originCode: string;
  destinationCode: string;
  day: string;
  price: number;
}
interface AcknowledgedBatch {
  readonly id: string;
  readonly key: string;
  readonly kind: 'whole' | 'chunked';
  readonly phase: Phase;
  readonly cents: readonly { day: string; cents: number }[];
}
interface Failure {
  readonly phase: Phase;
  readonly operation: string;
  readonly atMs: number;
  readonly detail: string;
}
interface DailyRate {
  day: string;
  averagePrice: number | null;
  priceCount: number;
}

const processes = processScope();

class Node {
  process!: StartedProcess;
  private readonly outputs: string[] = [];
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    if (this.process) this.outputs.push(this.process.output());
    this.process = await processes.startService({ ...this.env, PORT: String(this.port) });
  }

  /** SIGTERM; resolves the exit code, or 'still running' when the process outlives `timeoutMs`. */
  async terminate(timeoutMs: number): Promise<number | null | 'still running'> {
    this.process.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'still running'>((resolve) => {
      timer = setTimeout(() => resolve('still running'), timeoutMs);
    });
    try {
      return await Promise.race([this.process.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every line every process of this node wrote. */
  log(): string {
    return [...this.outputs, this.process?.output() ?? ''].join(`\n----- ${this.name} restarted -----\n`);
  }

  killIfRunning(): void {
    const child = this.process?.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

interface GraphqlOutcome<Data> {
  readonly data?: Data;
  readonly problem?: string;
}

async function graphql<Data>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlOutcome<Data>> {
  let status = 0;
  let text = '';
  try {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { problem: `fetch failed: ${(error as Error).message} (${cause?.code ?? ''} ${cause?.message ?? ''})` };
  }
  let body: { data?: Data | null; errors?: unknown[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { problem: `HTTP ${status}, not JSON: ${text.slice(0, 300)}` };
  }
  if (status !== 200 || body.errors !== undefined || !body.data) {
    return { problem: `HTTP ${status}: ${text.slice(0, 500)}` };
  }
  return { data: body.data };
}

let sharedDataDir: string;
let nodes: Node[] = [];
let proxy: RoundRobinProxy | undefined;

beforeAll(async () => {
  sharedDataDir = processes.dataDir();
  const env = (analyticsDir: string): NodeJS.ProcessEnv => ({
    NODE_ENV: 'production',
    API_KEYS: `rolling:read+ingest:${createHash('sha256').update(API_KEY).digest('hex')}`,
    HOST: '127.0.0.1',
    DATA_DIR: sharedDataDir,
    ANALYTICS_DATA_DIR: analyticsDir,
    LOG_LEVEL: 'info',
    WORKER_POLL_INTERVAL_MS: '50',
    // The proxy checks /readyz every 100 ms; the node keeps serving this long after SIGTERM.
    SHUTDOWN_DRAIN_DELAY_MS: '500',
    // The readers ask without pause, all with one key: this test is about deploys, not rate limits.
    RATE_LIMIT_PER_SECOND: '100000',
  });
  nodes = [
    new Node('A', await freePort(), env(processes.dataDir())),
    new Node('B', await freePort(), env(processes.dataDir())),
  ];
});

afterAll(async () => {
  await proxy?.close();
});

/** Polls `check` until it answers true; throws with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  await eventually(check, (done) => done, { what, timeoutMs, intervalMs: 100 });
}

function sameRates(actual: readonly DailyRate[], expected: readonly (DailyRate | undefined)[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every(
      (rate, i) =>
        rate.day === expected[i]?.day &&
        rate.priceCount === expected[i].priceCount &&
        rate.averagePrice === expected[i].averagePrice,
    )
  );
}

/** Per day of YEAR: how many acknowledged prices and their sum in cents, each batch counted once. */
function oracle(batches: readonly AcknowledgedBatch[]): DailyRate[] {
  const totals = new Map<string, { count: number; cents: number }>();
  for (const batch of batches) {
    for (const { day, cents } of batch.cents) {
      const total = totals.get(day) ?? { count: 0, cents: 0 };
      total.count++;
      total.cents += cents;
      totals.set(day, total);
    }
  }
  const days: DailyRate[] = [];
  for (let t = Date.UTC(YEAR, 0, 1); t <= Date.UTC(YEAR, 11, 31); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const total = totals.get(day);
    days.push({
      day,
      priceCount: total?.count ?? 0,
      averagePrice: total ? Math.round(total.cents / total.count) / 100 : null,
    });
  }
  return days;
}

describe('a rolling restart of two embedded nodes behind a load balancer', () => {
  it(`fails no request and counts every acknowledged batch once on both nodes (seed ${SEED})`, async () => {
    const startedAt = Date.now();
    const timings: Record<string, number> = {};
    const mark = (what: string) => (timings[what] = Date.now() - startedAt);
    const [a, b] = nodes as [Node, Node];

    // A alone first: it seeds the empty operational store; then B, which finds it seeded.
    await a.start();
    await b.start();
    mark('both nodes serving');
    expect(a.log()).toMatch(/loaded the reference dataset/);
    expect(b.log()).not.toMatch(/loading the reference dataset/);
    // Like a load balancer in front of a deployment: /readyz checked every 100 ms, refused connections retried.
    proxy = await startRoundRobinProxy([a.port, b.port], { path: '/readyz', intervalMs: 100 });
    const proxyUrl = proxy.url;

    let phase: Phase = 'before';
    let running = true;
    const acknowledged: AcknowledgedBatch[] = [];
    const failures: Failure[] = [];
    const requests = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
    const ackedIn = (p: Phase) => acknowledged.filter((batch) => batch.phase === p).length;

    /** One request through the proxy; a failure is recorded and answered undefined. */
    async function call<Data>(operation: string, query: string, variables?: Record<string, unknown>) {
      requests[phase]++;
      const outcome = await graphql<Data>(proxyUrl, query, variables);
      if (outcome.problem !== undefined) {
        failures.push({ phase, operation, atMs: Date.now() - startedAt, detail: outcome.problem });
      }
      return outcome.data;
    }

    /** Sends a mutation until it is answered (same idempotency key, as a client would): failures are still counted. */
    async function mutate<Data>(operation: string, query: string, variables: Record<string, unknown>): Promise<Data> {
      for (let attempt = 0; attempt < 50; attempt++) {
        const data = await call<Data>(operation, query, variables);
        if (data) return data;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${operation} never succeeded: ${JSON.stringify(failures.slice(-3))}`);
    }

    async function client(index: number): Promise<void> {
      const next = seededRandom(SEED * 31 + index);
      const items = (n: number): Item[] =>
        Array.from({ length: n }, () => {
          const day = new Date(Date.UTC(YEAR, 0, 1 + Math.floor(next() * 365))).toISOString().slice(0, 10);
          return { ...LANE, day, price: (50_000 + Math.floor(next() * 350_000)) / 100 };
        });
      const record = (id: string, key: string, kind: AcknowledgedBatch['kind'], sent: Item[], at: Phase) =>
        acknowledged.push({
          id,
          key,
          kind,
          phase: at,
          cents: sent.map((item) => ({ day: item.day, cents: Math.round(item.price * 100) })),
        });

      if (index >= WRITERS) {
        while (running) {
          const rates = await call<{ rates: DailyRate[] }>('rates', RATES_2016);
          if (rates && !sameRates(rates.rates, EXPECTED_2016)) {
            failures.push({ phase, operation: 'rates', atMs: Date.now() - startedAt, detail: JSON.stringify(rates) });
          }
        }
        return;
      }
      for (let round = 0; running; round++) {
        const key = `rolling-${SEED}-${index}-${round}`;
        if (round % 6 === 5) {
          const chunks = [items(20 + Math.floor(next() * 30)), items(20 + Math.floor(next() * 30))];
          const { createBatch } = await mutate<{ createBatch: { id: string } }>('createBatch', CREATE, {
            input: { idempotencyKey: key },
          });
          for (const [chunkIndex, chunk] of chunks.entries()) {
            await mutate('appendBatchItems', APPEND, { batchId: createBatch.id, chunkIndex, items: chunk });
          }
          const { commitBatch } = await mutate<{ commitBatch: { id: string; status: string } }>('commitBatch', COMMIT, {
            batchId: createBatch.id,
          });
          expect(['COMMITTED', 'PROCESSING', 'ACCEPTED']).toContain(commitBatch.status);
          record(createBatch.id, key, 'chunked', chunks.flat(), phase);
        } else {
          const sent = items(50 + Math.floor(next() * 151));
          const { submitPriceBatch } = await mutate<{
            submitPriceBatch: { id: string; status: string; itemCount: number; acceptedCount: number };
          }>('submitPriceBatch', SUBMIT, { input: { items: sent, idempotencyKey: key } });
          expect(submitPriceBatch).toMatchObject({
            status: 'ACCEPTED',
            itemCount: sent.length,
            acceptedCount: sent.length,
          });
          record(submitPriceBatch.id, key, 'whole', sent, phase);
        }
        const rates = await call<{ rates: DailyRate[] }>('rates', RATES_2016);
        if (rates && !sameRates(rates.rates, EXPECTED_2016)) {
          failures.push({ phase, operation: 'rates', atMs: Date.now() - startedAt, detail: JSON.stringify(rates) });
        }
        await new Promise((resolve) => setTimeout(resolve, THINK_MS));
      }
    }

    const clients = Array.from({ length: WRITERS + READERS }, (_, index) => client(index));
    const clientsDone = Promise.all(clients);
    // A client that throws ends the test at once instead of after the restarts.
    clientsDone.catch(() => (running = false));

    const exits: Record<string, number | null | 'still running'> = {};
    const inFlightAtSigterm: Record<string, number> = {};
    try {
      await until('batches acknowledged before the restarts', 30_000, () => Promise.resolve(ackedIn('before') >= 10));
      mark('restarting A');

      for (const [node, during] of [
        [a, 'restart A'],
        [b, 'restart B'],
      ] as const) {
        phase = during;
        inFlightAtSigterm[node.name] = proxy.stats.inFlight[nodes.indexOf(node)]!;
        exits[node.name] = await node.terminate(40_000);
        mark(`${node.name} exited ${exits[node.name]}`);
        if (exits[node.name] === 'still running') node.killIfRunning();
        await node.start();
        mark(`${node.name}' serving`);
      }
      phase = 'after';
      await until('batches acknowledged after the restarts', 30_000, () => Promise.resolve(ackedIn('after') >= 10));
    } finally {
      running = false;
      await clientsDone;
    }
    mark('clients stopped');

    // Chunked batches count once a worker accepted them; then both replicas must have caught up.
    const direct = nodes.map((node) => `http://127.0.0.1:${node.port}`);
    const statuses = new Map<string, string>();
    await until('every chunked batch settled', 60_000, async () => {
      for (const batch of acknowledged) {
        if (statuses.get(batch.id) === 'ACCEPTED') continue;
        const answer = await graphql<{ batch: { status: string; replicatedAt: string | null } }>(
          direct[0]!,
          `
            query ($id: ID!) {
              batch(id: $id) {
                status
                replicatedAt
              }
            }
          `,
          { id: batch.id },
        );
        if (answer.data) statuses.set(batch.id, answer.data.batch.status);
      }
      return [...statuses.values()].every((s) => s !== 'COMMITTED' && s !== 'PROCESSING');
    });
    for (const url of direct) {
      await until(`replication caught up on ${url}`, 60_000, async () => {
        const answer = await graphql<{ replication: { pendingChanges: number } }>(
          url,
          '{ replication { pendingChanges } }',
        );
        return answer.data?.replication.pendingChanges === 0;
      });
    }
    const notReplicated: string[] = [];
    for (const batch of acknowledged) {
      const answer = await graphql<{ batch: { replicatedAt: string | null } }>(
        direct[1]!,
        `
          query ($id: ID!) {
            batch(id: $id) {
              replicatedAt
            }
          }
        `,
        { id: batch.id },
      );
      if (!answer.data?.batch.replicatedAt) notReplicated.push(batch.id);
    }
    const answers: DailyRate[][] = [];
    for (const url of direct) {
      const answer = await graphql<{ rates: DailyRate[] }>(url, RATES_YEAR);
      answers.push(answer.data?.rates ?? []);
    }
    mark('checked');

    const expected = oracle(acknowledged);
    const perPhase = Object.fromEntries(
      PHASES.map((p) => [
        p,
        { requests: requests[p], batches: ackedIn(p), failures: failures.filter((f) => f.phase === p).length },
      ]),
    );
    const summary = {
      seed: SEED,
      timings,
      perPhase,
      inFlightAtSigterm,
      chunkedBatches: acknowledged.filter((batch) => batch.kind === 'chunked').length,
      prices: expected.reduce((sum, day) => sum + day.priceCount, 0),
      proxy: {
        forwarded: proxy.stats.forwarded,
        retries: proxy.stats.retries,
        skippedUnhealthy: proxy.stats.skippedUnhealthy,
        failures: proxy.stats.failures.length,
      },
    };
    const mismatched = answers.map((answer) => answer.filter((day, i) => !sameRates([day], [expected[i]])));
    const healthy =
      failures.length === 0 &&
      notReplicated.length === 0 &&
      mismatched.every((m) => m.length === 0) &&
      Object.values(exits).every((code) => code === 0);
    // What each phase did, for whoever reads a run (requests, batches, retries of the proxy).
    const dir = path.join(projectRoot(), 'test-artifacts', 'rolling-restart');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
    if (!healthy) {
      console.log(`rolling restart: ${JSON.stringify(summary, null, 2)}`);
      for (const node of nodes) fs.writeFileSync(path.join(dir, `node-${node.name}.log`), node.log());
      fs.writeFileSync(
        path.join(dir, 'diagnostics.json'),
        JSON.stringify(
          { summary, exits, failures, proxyFailures: proxy.stats.failures, notReplicated, mismatched },
          null,
          2,
        ),
      );
      console.error(`rolling restart went wrong; node logs and diagnostics in ${dir}`);
    }

    expect(exits).toEqual({ A: 0, B: 0 });
    expect(failures).toEqual([]);
    expect(proxy.stats.failures).toEqual([]);
    for (const p of PHASES)
      expect({ phase: p, acknowledged: ackedIn(p) > 0 }).toEqual({ phase: p, acknowledged: true });
    expect(proxy.stats.forwarded.every((count) => count > 0)).toBe(true);
    expect(acknowledged.some((batch) => batch.kind === 'chunked')).toBe(true);
    expect([...statuses.entries()].filter(([, status]) => status !== 'ACCEPTED')).toEqual([]);
    expect(notReplicated).toEqual([]);
    expect(answers[0]).toEqual(expected);
    expect(answers[1]).toEqual(expected);
  }, 240_000);
});
