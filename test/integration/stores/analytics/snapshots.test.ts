/**
 * Replica snapshots and price dimensions (issue 17): a snapshot written now (format 2) carries every
 * price's container type and contract term into the replica it is loaded into, and a file written
 * before prices had dimensions (format 1: a version-4 replica's six price columns) still loads, its
 * prices unspecified, with the same totals per lane and day and its checkpoint. Real chDB; the
 * oracle is the prices the test writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseStoreOptions } from '../../../../src/app/rateline';
import { formatDay, parseDay } from '../../../../src/domain/day';
import {
  openClickHouseAnalyticsStore,
  type AnalyticsStore,
  type ReplicaSnapshot,
} from '../../../../src/stores/analytics';
import { select } from '../../../../src/stores/analytics/clickhouse/database';
import { migrateAnalyticsSchema } from '../../../../src/stores/analytics/clickhouse/migrations';
import { PRICE_COLUMNS } from '../../../../src/stores/analytics/clickhouse/sql';
import { openChdbClient, removeDataDir, temporaryDataDir, testConfig } from '../../../helpers/components';

interface StoredPrice {
  readonly origin: string;
  readonly destination: string;
  readonly day: string;
  readonly cents: number;
  readonly batch: string;
  readonly item: number;
  readonly type: string;
  readonly term: string;
}

const PRICES: readonly StoredPrice[] = [
  {
    origin: 'CNSGH',
    destination: 'NLRTM',
    day: '2016-01-04',
    cents: 150_000,
    batch: 'b1',
    item: 0,
    type: '40HC',
    term: 'LONG_TERM',
  },
  {
    origin: 'CNSGH',
    destination: 'NLRTM',
    day: '2016-01-04',
    cents: 90_000,
    batch: 'b1',
    item: 1,
    type: '20DC',
    term: 'SHORT_TERM',
  },
  {
    origin: 'CNSGH',
    destination: 'NLRTM',
    day: '2016-01-05',
    cents: 120_000,
    batch: 'b1',
    item: 2,
    type: '',
    term: 'LONG_TERM',
  },
  {
    origin: 'CNNBO',
    destination: 'DEHAM',
    day: '2016-01-05',
    cents: 200_000,
    batch: 'b2',
    item: 0,
    type: '40RH',
    term: '',
  },
  {
    origin: 'CNNBO',
    destination: 'DEHAM',
    day: '2016-01-06',
    cents: 110_000,
    batch: 'b2',
    item: 1,
    type: '',
    term: '',
  },
];
const CHECKPOINT = { version: 1, position: '7', appliedAtMs: 1_700_000_000_000 };
const REPLICA_ID = '7b0c2f6e-0d4b-4a43-9a55-5a4f3a9f6c11';

/** Every price of a replica, in a stable order. */
async function pricesIn(client: ClickHouseClient, database: string): Promise<StoredPrice[]> {
  const rows = await select<StoredPrice>(
    client,
    `SELECT origin_code AS origin, destination_code AS destination, toString(day) AS day, usd_cents AS cents,
            batch_id AS batch, item_index AS item, container_type AS type, contract_term AS term
       FROM ${database}.prices ORDER BY batch, item`,
  );
  return rows.map((r) => ({ ...r, cents: Number(r.cents), item: Number(r.item) }));
}

/** What the replica holds besides its prices: batch states, identity and checkpoint. */
async function bookkeepingOf(store: AnalyticsStore) {
  return {
    states: Object.fromEntries(await store.replica.batchStates(['b1', 'b2'])),
    replicaId: await store.replica.replicaId(),
    checkpoint: await store.replica.replicationCheckpoint(),
  };
}

/** The rows a replica at any version records beside its prices, written as the replicator writes them. */
async function writeBookkeeping(client: ClickHouseClient, database: string): Promise<void> {
  await client.insert({
    table: `${database}.replica_batches`,
    columns: ['batch_id', 'state', 'version'],
    values: [
      ['b1', 'counted', 1],
      ['b2', 'counted', 1],
    ],
    format: 'JSONCompactEachRow',
  });
  await client.command({
    query: `INSERT INTO ${database}.replica SELECT toUUID({id:String})`,
    query_params: { id: REPLICA_ID },
  });
  await client.insert({
    table: `${database}.replication_checkpoints`,
    columns: ['version', 'position', 'applied_at_ms'],
    values: [[CHECKPOINT.version, CHECKPOINT.position, CHECKPOINT.appliedAtMs]],
    format: 'JSONCompactEachRow',
  });
}

const expectedBookkeeping = {
  states: { b1: 'counted', b2: 'counted' },
  replicaId: REPLICA_ID,
  checkpoint: { version: 1, position: '7', appliedAt: new Date(CHECKPOINT.appliedAtMs) },
};

// chDB holds one data directory per process: the replicas are databases of one directory.
describe('replica snapshots', () => {
  const dataDir = temporaryDataDir();
  const client = openChdbClient(dataDir);
  const stores: AnalyticsStore[] = [];
  afterAll(async () => {
    await client.close();
    for (const store of stores) await store.close();
    removeDataDir(dataDir);
  });

  /** A current replica in a database of its own. */
  async function freshReplica(database: string) {
    const config = testConfig(dataDir, { CLICKHOUSE_DATABASE: database });
    const store = await openClickHouseAnalyticsStore(clickHouseStoreOptions(config.clickhouse));
    stores.push(store);
    await store.replica.latestBatchStateVersion(); // migrates it
    return { store, database };
  }

  it('carry each price’s container type and contract term into the replica they load', async () => {
    const source = await freshReplica('snapshot_source');
    await client.insert({
      table: `${source.database}.prices`,
      columns: PRICE_COLUMNS,
      values: PRICES.map((p) => [p.origin, p.destination, p.day, p.cents, p.batch, p.item, p.type, p.term]),
      format: 'JSONCompactEachRow',
    });
    await writeBookkeeping(client, source.database);
    const file = path.join(dataDir, 'now.snapshot');
    const exported = await source.store.snapshots.exportTo(file, REPLICA_ID);
    expect(exported).toMatchObject({ prices: PRICES.length, batches: 2, position: '7', replicaId: REPLICA_ID });
    expect(JSON.parse(fs.readFileSync(file, 'utf8').split('\n', 1)[0]!)).toMatchObject({
      format: 'rateline-analytics-snapshot/2',
    });

    const target = await freshReplica('snapshot_target_2');
    await target.store.snapshots.importFrom(file, () => Promise.resolve());
    expect(await pricesIn(client, target.database)).toEqual(PRICES);
    expect(await bookkeepingOf(target.store)).toEqual(expectedBookkeeping);
  });

  it('load a file written before prices had dimensions, every price unspecified, with its checkpoint', async () => {
    // A version-4 replica and its export as that version wrote it: the header, then the six price
    // columns it had in the engine's Native format.
    const oldDatabase = 'snapshot_v4';
    const old = client;
    await migrateAnalyticsSchema(old, oldDatabase, 4);
    await old.insert({
      table: `${oldDatabase}.prices`,
      columns: ['origin_code', 'destination_code', 'day', 'usd_cents', 'batch_id', 'item_index'],
      values: PRICES.map((p) => [p.origin, p.destination, p.day, p.cents, p.batch, p.item]),
      format: 'JSONCompactEachRow',
    });
    await writeBookkeeping(old, oldDatabase);
    const file = path.join(dataDir, 'v4.snapshot');
    const header = {
      format: 'rateline-analytics-snapshot/1',
      sourceReplicaId: REPLICA_ID,
      replicaId: REPLICA_ID,
      checkpoint: CHECKPOINT,
      batchStates: [
        ['b1', 'counted', 1],
        ['b2', 'counted', 1],
      ],
      prices: PRICES.length,
    };
    fs.writeFileSync(file, `${JSON.stringify(header)}\n`);
    await old.command({
      query: `SELECT origin_code, destination_code, day, usd_cents, batch_id, item_index FROM ${oldDatabase}.prices
                INTO OUTFILE '${path.resolve(file)}' APPEND FORMAT Native`,
    });

    const target = await freshReplica('snapshot_target_1');
    let offered: ReplicaSnapshot | undefined;
    await target.store.snapshots.importFrom(file, (snapshot) => {
      offered = snapshot;
      return Promise.resolve();
    });
    expect(offered).toMatchObject({ prices: PRICES.length, replicaId: REPLICA_ID });
    expect(await pricesIn(client, target.database)).toEqual(PRICES.map((p) => ({ ...p, type: '', term: '' })));
    expect(await bookkeepingOf(target.store)).toEqual(expectedBookkeeping);
    // Its lanes answer as before: unfiltered totals per day are the old prices' totals.
    const totals = await target.store.totals.dailyPriceTotals(
      { originPorts: ['CNSGH'], destinationPorts: ['NLRTM'] },
      { from: parseDay('2016-01-01')!, to: parseDay('2016-01-31')! },
    );
    expect(totals.map((t) => [formatDay(t.day), t.priceCount, t.totalUsdCents])).toEqual([
      ['2016-01-04', 2, 240_000],
      ['2016-01-05', 1, 120_000],
    ]);
  });
});
