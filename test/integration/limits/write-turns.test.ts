/**
 * Write turns through the real service: two suppliers' batches take turns on the write path, and a
 * write that cannot get a turn is answered at once (429, 503) with Retry-After, never left hanging.
 * The test holds SQLite's write lock while the line forms, so that the write in work stays in work
 * (its thread waits for the lock, within the store's busy timeout of 5 s) and the order is the turns'
 * alone, not the machine's speed. The replicator and the batch worker run elsewhere (not at all): they
 * write on the main connection, which would wait for the lock too, and the process with it.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { hashApiKey } from '../../../src/auth';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';

const KEYS = { alpha: 'alpha-key-0123456789', beta: 'beta-key-0123456789' };
const SERVICE = {
  API_KEYS: Object.entries(KEYS)
    .map(([name, key]) => `${name}:read+ingest:${hashApiKey(key).toString('hex')}`)
    .join(','),
  METRICS_PORT: '0',
  REPLICATOR_IN_PROCESS: 'false',
  WORKER_IN_PROCESS: 'false',
  WRITE_CONCURRENCY: '1',
};

const SUBMIT = `mutation Submit($input: SubmitPriceBatchInput!) {
  submitPriceBatch(input: $input) { id status acceptedCount createdAt }
}`;

interface Submitted {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly batch?: { id: string; status: string; acceptedCount: number; createdAt: string };
  readonly error?: { message: string; extensions: Record<string, unknown> };
}

/** A batch of `count` prices on CNSGH → NLRTM in 2017, big enough that its write takes a while. */
function items(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    originCode: 'CNSGH',
    destinationCode: 'NLRTM',
    day: `2017-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    price: 1000 + (i % 500),
    currency: 'USD',
  }));
}

async function submit(service: TestService, key: string, idempotencyKey: string, count: number): Promise<Submitted> {
  const response = await fetch(`${service.running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: SUBMIT, variables: { input: { idempotencyKey, items: items(count) } } }),
  });
  const body = (await response.json()) as {
    data?: { submitPriceBatch: Submitted['batch'] } | null;
    errors?: Submitted['error'][];
  };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    batch: body.data?.submitPriceBatch ?? undefined,
    error: body.errors?.[0],
  };
}

/** A metric's value, or -1 while a scrape fails (a keep-alive connection the busy server closed meanwhile). */
async function metric(service: TestService, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${service.running.operationsPort}/metrics`).catch(() => undefined);
  if (!response) return -1;
  const line = new RegExp(`^${name} (\\d+)$`, 'm').exec(await response.text());
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line[1]);
}

/** Until `count` writes wait for a turn (`what` names them for the failure). */
const untilWaiting = (service: TestService, count: number, what: string) =>
  eventually(
    () => metric(service, 'rateline_write_turns_waiting'),
    (waiting) => waiting === count,
    { what },
  );
/** Turns given so far in this process (metrics are the process's: the tests compare before and after). */
const turnsGiven = (service: TestService) => metric(service, 'rateline_write_turn_wait_seconds_count');

/** Takes the store's write lock from a connection of the test's own; the returned function gives it back. */
function holdWriteLock(service: TestService): () => void {
  const db = new BetterSqlite3(path.join(service.dataDir, 'operational.sqlite'));
  db.exec('BEGIN IMMEDIATE');
  return () => {
    db.exec('ROLLBACK');
    db.close();
  };
}

describe('one write at a time, four may wait per caller', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ...SERVICE, WRITE_QUEUE_PER_CALLER: '4', WRITE_QUEUE_TIMEOUT_MS: '120000' });
  });
  afterAll(async () => {
    await service.stop();
  });

  it("lets another supplier's batch in after one more of a busy supplier's, not after all of them", async () => {
    const run = `fair-${Date.now()}`;
    const release = holdWriteLock(service);
    const alpha = Array.from({ length: 5 }, (_, i) => submit(service, KEYS.alpha, `${run}-alpha-${i}`, 2_000));
    // Alpha's five are all in: one in work (held by the lock), four waiting, before beta sends its one.
    await untilWaiting(service, 4, 'four of alpha’s writes waiting');
    const betaAnswer = submit(service, KEYS.beta, `${run}-beta`, 2_000);
    await untilWaiting(service, 5, 'beta’s write waiting');
    release();
    const beta = await betaAnswer;
    const alphas = await Promise.all(alpha);
    for (const answer of [...alphas, beta])
      expect(answer).toMatchObject({ status: 200, batch: { status: 'ACCEPTED' } });
    const order = [
      ...alphas.map((a) => ({ who: 'alpha', at: a.batch!.createdAt })),
      { who: 'beta', at: beta.batch!.createdAt },
    ]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((a) => a.who);
    // Round robin: alpha's first in work, its second next (it was in line first), then beta's.
    // First come first served would record beta's last.
    expect(order).toEqual(['alpha', 'alpha', 'beta', 'alpha', 'alpha', 'alpha']);
  });

  it("refuses a write beyond a caller's four waiting with 429, Retry-After and RATE_LIMITED, and no other caller's", async () => {
    const run = `full-${Date.now()}`;
    const release = holdWriteLock(service);
    const alpha = Array.from({ length: 5 }, (_, i) => submit(service, KEYS.alpha, `${run}-alpha-${i}`, 2_000));
    await untilWaiting(service, 4, 'four of alpha’s writes waiting');
    const refused = await submit(service, KEYS.alpha, `${run}-alpha-refused`, 10);
    const otherAnswer = submit(service, KEYS.beta, `${run}-beta`, 10);
    await untilWaiting(service, 5, 'beta’s write waiting');
    release();
    const other = await otherAnswer;
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.error?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'WRITE_QUEUE_PER_CALLER' });
    expect(refused.error?.message).toContain('WRITE_QUEUE_PER_CALLER');
    expect(other).toMatchObject({ status: 200, batch: { status: 'ACCEPTED', acceptedCount: 10 } });
    for (const answer of await Promise.all(alpha)) expect(answer).toMatchObject({ status: 200 });
    // Refused before anything was written: the same key is free and now records a new batch.
    const retried = await submit(service, KEYS.alpha, `${run}-alpha-refused`, 10);
    expect(retried).toMatchObject({ status: 200, batch: { status: 'ACCEPTED', acceptedCount: 10 } });
  });
});

describe('a write that waits longer than WRITE_QUEUE_TIMEOUT_MS', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ...SERVICE, WRITE_QUEUE_TIMEOUT_MS: '100' });
  });
  afterAll(async () => {
    await service.stop();
  });

  it('is answered 503 with Retry-After and SERVICE_SATURATED, and wrote nothing', async () => {
    const run = `saturated-${Date.now()}`;
    const release = holdWriteLock(service);
    const given = await turnsGiven(service);
    const inWork = submit(service, KEYS.alpha, `${run}-0`, 2_000);
    await eventually(
      () => turnsGiven(service),
      (count) => count === given + 1,
      { what: 'the first write in work' },
    );
    // The write in work waits for the lock: the others wait 100 ms for a turn, then are refused.
    const waited = await Promise.all(
      Array.from({ length: 3 }, (_, i) => submit(service, i % 2 ? KEYS.alpha : KEYS.beta, `${run}-${i + 1}`, 10)),
    );
    release();
    const answers = [await inWork, ...waited];
    const refused = answers.filter((a) => a.status === 503);
    expect(answers.map((a) => a.status)).toEqual([200, 503, 503, 503]);
    for (const answer of refused) {
      expect(answer.retryAfter).toBe('5');
      expect(answer.error?.extensions).toMatchObject({ code: 'SERVICE_SATURATED' });
      expect(answer.error?.message).toContain('WRITE_QUEUE_TIMEOUT_MS');
    }
    // Nothing of a refused write was kept: its key records a new batch (one at a time, so none waits).
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 503) continue;
      const retried = await submit(service, i % 2 ? KEYS.alpha : KEYS.beta, `${run}-${i}`, 10);
      expect(retried).toMatchObject({ status: 200, batch: { status: 'ACCEPTED', acceptedCount: 10 } });
    }
  });
});
