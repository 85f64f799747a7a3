import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NewBatch, PriceRecord } from '../../src/domain/batch';
import { parseDay, type EpochDay } from '../../src/domain/day';
import { readReferenceDataset } from '../../src/reference-data';
import { SqliteBatchRows } from '../../src/stores/operational/sqlite/batch-rows';
import { SqliteBatches } from '../../src/stores/operational/sqlite/batches';
import { openSqliteConnection } from '../../src/stores/operational/sqlite/connection';
import { SqliteWriteQueue } from '../../src/stores/operational/sqlite/write-queue';
import { migrateOperationalSchema } from '../../src/stores/operational/sqlite/schema';
import { priceRow } from '../../src/stores/analytics/clickhouse/replica';
import { PRICE_COLUMNS } from '../../src/stores/analytics/clickhouse/sql';
import { collectGarbage, type BenchContext, type BenchSection } from './context';
import { BenchGraphqlClient } from './graphql-client';
import { BATCH_PRICES, batchesFromEnv, ingestRun, randomPrice, type IngestRun } from './ingest';
import { formatCount, formatMet, formatRatio, percentileCells, summarize, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticLanes, type SyntheticLane } from './synthetic-prices';

/**
 * Writes that use both cores (issue 16): four clients sending 50,000-price batches at once through the
 * real service while a fifth asks a small `rates` question again and again, against the ceiling of
 * one thread writing the same number of prices straight into the two embedded stores (a SQLite
 * transaction per batch as the store records it, then one INSERT per batch into a scratch copy of
 * the prices table, as the replicator writes it), measured in the same run.
 */

const CLIENTS = 4;
const TARGET_ACK_P99_MS = 1_000;
const TARGET_LAG_P99_MS = 1_500;
const TARGET_CEILING_RATIO = 1.3;
const TARGET_READ_P99_MS = 100;

const READ_QUERY = JSON.stringify({
  query:
    'query Rates($o: String!, $d: String!, $f: Date!, $t: Date!) { rates(origin: $o, destination: $d, dateFrom: $f, dateTo: $t) { day averagePrice priceCount } }',
  variables: { o: 'CNSGH', d: 'north_europe_main', f: '2016-01-01', t: '2016-01-31' },
});

/** `count` batches of validated prices on the lanes, in 2021, as the store records them. */
function directBatches(lanes: readonly SyntheticLane[], count: number): NewBatch[] {
  return Array.from({ length: count }, (_, b) => {
    const prices: PriceRecord[] = Array.from({ length: BATCH_PRICES }, (_, itemIndex) => {
      const { lane, day, minor: usdCents } = randomPrice(lanes);
      return {
        itemIndex,
        originCode: lane.origin,
        destinationCode: lane.destination,
        day: parseDay(day) as EpochDay,
        usdCents,
        currency: 'USD',
        amountMinor: usdCents,
        usdPerUnit: '1',
        containerType: null,
        contractTerm: null,
      };
    });
    return {
      id: randomUUID(),
      owner: 'bench-ceiling',
      idempotencyKey: `ceiling-${b}-${randomUUID()}`,
      requestHash: 'ceiling',
      status: 'ACCEPTED',
      skipInvalid: false,
      itemCount: BATCH_PRICES,
      errors: [],
      createdAt: new Date(),
      prices,
    };
  });
}

/** Prices per second one thread reaches writing the batches into a scratch SQLite file and a scratch prices table. */
async function ceiling(context: BenchContext, batches: readonly NewBatch[]): Promise<number> {
  const database = context.config.clickhouse.database;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-ceiling-'));
  const db = openSqliteConnection(path.join(dir, 'operational.sqlite'));
  const table = `${database}.ceiling_prices`;
  try {
    migrateOperationalSchema(db);
    const store = new SqliteBatches(new SqliteBatchRows(db, new SqliteWriteQueue()));
    await context.direct.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await context.direct.command({ query: `CREATE TABLE ${table} AS ${database}.prices` });
    collectGarbage();
    const start = performance.now();
    for (const batch of batches) {
      await store.record(batch);
      await context.direct.insert({
        table,
        columns: PRICE_COLUMNS,
        values: batch.prices.map((p) => priceRow(batch.id, p)),
        format: 'JSONCompactEachRow',
        clickhouse_settings: { max_insert_block_size: String(BATCH_PRICES) },
      });
    }
    return (batches.length * BATCH_PRICES) / ((performance.now() - start) / 1000);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await context.direct.command({ query: `DROP TABLE IF EXISTS ${table}` });
  }
}

/** Asks the small question back to back until `stop`; answers each latency in ms. */
async function readUntil(context: BenchContext, stop: AbortSignal, latencies: number[]): Promise<void> {
  const client = new BenchGraphqlClient(`${context.running.url}/graphql`, context.apiKey);
  try {
    while (!stop.aborted) {
      const start = performance.now();
      const response = await client.post(READ_QUERY);
      if (response.status !== 200) throw new Error(`rates answered HTTP ${response.status} during ingest`);
      latencies.push(performance.now() - start);
    }
  } catch (error) {
    throw new Error(`the reader failed after ${latencies.length} answers`, { cause: error });
  } finally {
    client.close();
  }
}

function rows(run: IngestRun, ceilingRate: number, reads: readonly number[]): BenchRow[] {
  const prices = run.acknowledged.length * BATCH_PRICES;
  const rate = prices / run.seconds;
  const ack = summarize(run.acknowledged.map((a) => a.ackMs));
  const lag = summarize([...run.replicated.values()].map((r) => r.lagMs));
  const read = summarize([...reads]);
  const who = `writes, ${CLIENTS} clients`;
  return [
    {
      name: `${who}: ack of one ${formatCount(BATCH_PRICES)}-price batch, ms`,
      cells: new Map([
        ...percentileCells(ack),
        ['target', `p99 < ${formatCount(TARGET_ACK_P99_MS)}`],
        ['met', formatMet(ack.p99 < TARGET_ACK_P99_MS)],
      ]),
    },
    {
      name: `${who}: replication lag per batch, ms`,
      cells: new Map([
        ...percentileCells(lag),
        ['target', `p99 < ${formatCount(TARGET_LAG_P99_MS)}`],
        ['met', formatMet(lag.p99 < TARGET_LAG_P99_MS)],
      ]),
    },
    {
      name: `${who}: prices/s ÷ one thread writing both stores directly (${formatCount(Math.round(rate))} ÷ ${formatCount(Math.round(ceilingRate))})`,
      cells: new Map([
        ['n', formatCount(run.acknowledged.length)],
        ['whole run', formatRatio(rate / ceilingRate)],
        ['target', `≥ ${formatRatio(TARGET_CEILING_RATIO)}`],
        ['met', formatMet(rate / ceilingRate >= TARGET_CEILING_RATIO)],
      ]),
    },
    {
      name: `${who}: a fifth client's rates (one port → region, a month) meanwhile, ms`,
      cells: new Map([
        ...percentileCells(read),
        ['target', `p99 < ${formatCount(TARGET_READ_P99_MS)}`],
        ['met', formatMet(read.p99 < TARGET_READ_P99_MS)],
      ]),
    },
  ];
}

export const concurrentWritesSection: BenchSection = {
  name: 'writes',
  async run(context) {
    const batches = batchesFromEnv();
    const lanes = syntheticLanes(readReferenceDataset(), DEFAULT_SYNTHETIC_OPTIONS.seed);
    context.progress(`writes: ceiling, one thread writing ${batches} batches straight into both stores`);
    const ceilingRate = await ceiling(context, directBatches(lanes, batches));
    context.progress(`writes: ceiling ${formatCount(Math.round(ceilingRate))} prices/s`);
    const key = `bench-writes-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
    context.progress(
      `writes: ${CLIENTS} clients, ${batches} batches of ${formatCount(BATCH_PRICES)} prices, a reader alongside`,
    );
    const reads: number[] = [];
    const run = await ingestRun(context, lanes, key, batches, CLIENTS, 'USD', (stop) =>
      readUntil(context, stop, reads),
    );
    const result = rows(run, ceilingRate, reads);
    for (const row of result)
      context.progress(`${row.name}: ${[...row.cells].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return result;
  },
};
