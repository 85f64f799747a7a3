/**
 * Invariants 1 and 2 (docs/invariants.md) under SIGKILL: the embedded service (which runs the
 * replicator in-process) is killed at random moments while this test, as the client, keeps submitting
 * and retracting batches; after every kill it is restarted and the client retries whatever was not
 * acknowledged, with the same idempotency key. Every few kills the replica's checkpoint is also set back
 * to the start of the feed (a lost checkpoint, a MongoDB feed restart from a snapshot), so the restarted
 * replicator replays everything while the client keeps writing. In the end the analytics replica must
 * equal the operational store, count and sum per lane and day, and every batch must be wholly there
 * exactly once.
 */
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import { seededRandom } from '../../../scripts/seeded-random';
import { openChdbClient } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { operationalLaneDayTotals, type LaneDayTotal } from '../../helpers/lane-day-totals';
import { freePort, graphqlOnPort, processScope, type StartedProcess } from '../../helpers/processes';

const KILLS = 22;
/** After every this many kills the replica is made to replay the whole feed. */
const REPLAY_EVERY = 4;
/** Named in the test's title, so that a failing run can be replayed with CRASH_TEST_SEED. */
const SEED = Number(process.env.CRASH_TEST_SEED ?? Date.now() % 100_000);

const LANES = [
  ['CNSGH', 'NLRTM'],
  ['CNSGH', 'GBFXT'],
  ['CNNBO', 'DEHAM'],
  ['CNYTN', 'NLRTM'],
] as const;

interface PlannedBatch {
  readonly key: string;
  readonly items: { originCode: string; destinationCode: string; day: string; price: number }[];
}

const SUBMIT = `mutation($input: SubmitPriceBatchInput!) { submitPriceBatch(input: $input) { id itemCount } }`;
const RETRACT = `mutation($id: ID!) { retractBatch(id: $id) { id status } }`;

const processes = processScope();
let dataDir: string;
let port: number;

beforeAll(async () => {
  dataDir = processes.dataDir();
  port = await freePort();
});

function startService(): Promise<StartedProcess> {
  return processes.startService({
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'info',
    REPLICATION_FLUSH_INTERVAL_MS: '30',
  });
}

function graphql<Data>(query: string, variables: Record<string, unknown>): Promise<Data> {
  return graphqlOnPort(port, query, variables);
}

function operationalTotals(): { totals: LaneDayTotal[]; partial: number; batches: Map<string, number> } {
  const db = new BetterSqlite3(path.join(dataDir, 'operational.sqlite'), { readonly: true });
  try {
    const partial = (
      db
        .prepare(
          `SELECT count(*) AS n FROM batches b
            WHERE b.accepted_count <> (SELECT count(*) FROM prices p WHERE p.batch_id = b.id)`,
        )
        .get() as { n: number }
    ).n;
    const rows = db.prepare('SELECT idempotency_key AS key, item_count AS items FROM batches').all() as {
      key: string;
      items: number;
    }[];
    return { totals: operationalLaneDayTotals(dataDir), partial, batches: new Map(rows.map((r) => [r.key, r.items])) };
  } finally {
    db.close();
  }
}

async function analyticsTotals(): Promise<LaneDayTotal[]> {
  const client = openChdbClient(dataDir);
  try {
    const result = await client.query({
      query: `SELECT concat(origin_code, '>', destination_code, '@', toString(toUInt32(day))) AS lane,
                     toUInt32(count()) AS count, sum(usd_cents) AS cents
                FROM rateline.prices
               GROUP BY lane ORDER BY lane`,
      format: 'JSONEachRow',
    });
    return (await result.json<{ lane: string; count: number; cents: number | string }>()).map((r) => ({
      lane: r.lane,
      count: r.count,
      cents: Number(r.cents),
    }));
  } finally {
    await client.close();
  }
}

/** Sets the stopped service's replica checkpoint back to the start of the feed (SQLite's position 0). */
async function replayFromTheStart(): Promise<void> {
  const client = openChdbClient(dataDir);
  try {
    await client.command({
      query: `INSERT INTO rateline.replication_checkpoints
              SELECT max(version) + 1, '0', toUnixTimestamp64Milli(now64(3)) FROM rateline.replication_checkpoints`,
    });
  } finally {
    await client.close();
  }
}

describe('crash safety of the embedded service under SIGKILL', () => {
  it(`keeps acknowledged batches and counts every one exactly once across ${KILLS} kills and replays of the whole feed (seed ${SEED})`, async () => {
    const next = seededRandom(SEED);
    let serial = 0;
    const plan = (): PlannedBatch => {
      const size = 1 + Math.floor(next() * 4000);
      const key = `crash-${SEED}-${serial++}`;
      const items = Array.from({ length: size }, () => {
        const [originCode, destinationCode] = LANES[Math.floor(next() * LANES.length)]!;
        const day = `2018-0${1 + Math.floor(next() * 3)}-1${Math.floor(next() * 10)}`;
        return { originCode, destinationCode, day, price: Math.round(next() * 300_000) / 100 + 1 };
      });
      return { key, items };
    };

    const sent = new Map<string, number>();
    const acknowledged = new Map<string, string>();
    const retracted = new Set<string>();
    let unacknowledged: PlannedBatch[] = [];
    let killsDuringRequests = 0;
    let replays = 0;

    let service = await startService();
    for (let round = 0; round < KILLS; round++) {
      let alive = true;
      let inFlight = false;
      const killAfterMs = 50 + next() * 700;
      const killer = new Promise<void>((resolve) =>
        setTimeout(() => {
          if (inFlight) killsDuringRequests++;
          service.child.kill('SIGKILL');
          alive = false;
          resolve();
        }, killAfterMs),
      );
      // Retries first, exactly as they were, then new batches, until the kill interrupts.
      const queue = [...unacknowledged];
      unacknowledged = [];
      while (alive) {
        const batch = queue.shift() ?? plan();
        sent.set(batch.key, batch.items.length);
        inFlight = true;
        try {
          const { submitPriceBatch } = await graphql<{ submitPriceBatch: { id: string; itemCount: number } }>(SUBMIT, {
            input: { items: batch.items, idempotencyKey: batch.key },
          });
          expect(submitPriceBatch.itemCount).toBe(batch.items.length);
          acknowledged.set(batch.key, submitPriceBatch.id);
          // The first one always, so that every run covers retractions (a run acknowledges only 20 to 30).
          if (retracted.size === 0 || next() < 0.15) {
            await graphql(RETRACT, { id: submitPriceBatch.id });
            retracted.add(submitPriceBatch.id);
          }
        } catch {
          if (acknowledged.has(batch.key) === false) unacknowledged.push(batch);
        } finally {
          inFlight = false;
        }
      }
      unacknowledged.push(...queue);
      await killer;
      await service.exited;
      if (round % REPLAY_EVERY === REPLAY_EVERY - 1) {
        await replayFromTheStart();
        replays++;
      }
      service = await startService();
    }
    // Complete what the last kill interrupted, then let replication catch up and stop cleanly.
    for (const batch of unacknowledged) {
      const { submitPriceBatch } = await graphql<{ submitPriceBatch: { id: string } }>(SUBMIT, {
        input: { items: batch.items, idempotencyKey: batch.key },
      });
      acknowledged.set(batch.key, submitPriceBatch.id);
    }
    await eventually(
      () => graphql<{ replication: { pendingChanges: number } }>('{ replication { pendingChanges } }', {}),
      ({ replication }) => replication.pendingChanges === 0,
      { what: 'replication to catch up', timeoutMs: 30_000 },
    );
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);

    const operational = operationalTotals();
    // Every batch sent was acknowledged in the end, is there once, and whole.
    expect([...acknowledged.keys()].sort()).toEqual([...sent.keys()].sort());
    const crashBatches = new Map([...operational.batches].filter(([key]) => key.startsWith('crash-')));
    expect(crashBatches).toEqual(sent);
    expect(operational.partial).toBe(0);
    expect(retracted.size).toBeGreaterThan(0);
    // Exactly-once effect: the replica equals the store, lane by lane and day by day.
    expect(await analyticsTotals()).toEqual(operational.totals);
    expect(replays).toBe(Math.floor(KILLS / REPLAY_EVERY));
    // The kills landed while requests were in flight often enough to test interrupted writes.
    expect(killsDuringRequests).toBeGreaterThanOrEqual(KILLS / 2);
  }, 600_000);
});
