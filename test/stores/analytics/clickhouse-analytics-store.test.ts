import { parseDay, type EpochDay } from '../../../src/domain/day';
import type { ClickHouseAnalyticsStore, ReplicatedPrice } from '../../../src/stores/analytics';
import { createClickHouseClient } from '../../../src/stores/analytics/clickhouse/client';
import { openChdbStore, removeDataDir, temporaryDataDir, testConfig } from '../../helpers/components';

const day = (text: string): EpochDay => parseDay(text)!;

let dataDir: string;
let store: ClickHouseAnalyticsStore;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  store = await openChdbStore(dataDir);
});
afterAll(async () => {
  await store.close();
  removeDataDir(dataDir);
});

let nextIndex = 0;
const price = (
  originCode: string,
  destinationCode: string,
  dayText: string,
  usdCents: number,
  batchId = 'b1',
): ReplicatedPrice => ({
  batchId,
  itemIndex: nextIndex++,
  originCode,
  destinationCode,
  day: day(dayText),
  usdCents,
  currency: 'USD',
  amountMinor: usdCents,
});

async function sql<Row>(query: string): Promise<Row[]> {
  const client = createClickHouseClient(testConfig(dataDir).clickhouse, dataDir);
  try {
    return await (await client.query({ query, format: 'JSONEachRow' })).json<Row>();
  } finally {
    await client.close();
  }
}

const lane = { originPorts: ['AAAAA', 'DDDDD'], destinationPorts: ['BBBBB'] };
const firstWeek = { from: day('2016-01-01'), to: day('2016-01-07') };

describe('ClickHouseAnalyticsStore on chDB', () => {
  beforeAll(async () => {
    await store.applyChanges({
      prices: [
        price('AAAAA', 'BBBBB', '2016-01-01', 100_01),
        price('AAAAA', 'BBBBB', '2016-01-01', 200_02),
        price('AAAAA', 'CCCCC', '2016-01-01', 999_99),
        price('DDDDD', 'BBBBB', '2016-01-02', 50_00),
        price('AAAAA', 'BBBBB', '2016-01-05', 7_00, 'b2'),
        price('AAAAA', 'BBBBB', '2015-12-31', 1_00, 'b2'),
      ],
      retractedBatchIds: [],
    });
  });

  it('sums and counts per day, only the lanes and days asked for, ascending', async () => {
    expect(await store.dailyPriceTotals(lane, firstWeek)).toEqual([
      { day: day('2016-01-01'), priceCount: 2, totalUsdCents: 300_03 },
      { day: day('2016-01-02'), priceCount: 1, totalUsdCents: 50_00 },
      { day: day('2016-01-05'), priceCount: 1, totalUsdCents: 7_00 },
    ]);
  });

  it('answers nothing for an empty set of ports', async () => {
    expect(await store.dailyPriceTotals({ originPorts: [], destinationPorts: ['BBBBB'] }, firstWeek)).toEqual([]);
    expect(await store.dailyPriceTotals({ originPorts: ['AAAAA'], destinationPorts: [] }, firstWeek)).toEqual([]);
  });

  it('tells which batches are present', async () => {
    expect([...(await store.batchesPresent(['b1', 'b2', 'b3']))].sort()).toEqual(['b1', 'b2']);
    expect(await store.batchesPresent([])).toEqual(new Set());
  });

  it('stops counting a retracted batch; retracting it again changes nothing', async () => {
    await store.applyChanges({ prices: [price('AAAAA', 'BBBBB', '2016-01-06', 3_00, 'b3')], retractedBatchIds: [] });
    await store.applyChanges({ prices: [], retractedBatchIds: ['b3'] });
    await store.applyChanges({ prices: [], retractedBatchIds: ['b3'] });
    const totals = await store.dailyPriceTotals(lane, firstWeek);
    expect(totals.map((t) => t.day)).not.toContain(day('2016-01-06'));
    expect(totals).toHaveLength(3);
  });

  it('keeps the newest checkpoint', async () => {
    expect(await store.replicationCheckpoint()).toBeUndefined();
    const appliedAt = new Date('2026-01-02T03:04:05.678Z');
    await store.saveCheckpoint({ position: '7', appliedAt, version: 1 });
    await store.saveCheckpoint({ position: '12', appliedAt, version: 2 });
    expect(await store.replicationCheckpoint()).toEqual({ position: '12', appliedAt, version: 2 });
  });

  it('has one stable replica id', async () => {
    const id = await store.replicaId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const again = await openChdbStore(dataDir);
    expect(await again.replicaId()).toBe(id);
    await again.close();
  });

  it('writes one INSERT of 300,000 prices as a single part (so it becomes visible all at once)', async () => {
    const partsBefore = await sql<{ n: string }>(
      "SELECT count() AS n FROM system.parts WHERE database = 'rateline' AND table = 'prices' AND active",
    );
    const big = Array.from({ length: 300_000 }, (_, i) =>
      price('EEEEE', 'FFFFF', i % 2 ? '2017-03-01' : '2017-03-02', 1_00, 'big'),
    );
    await store.applyChanges({ prices: big, retractedBatchIds: [] });
    const partsAfter = await sql<{ n: string }>(
      "SELECT count() AS n FROM system.parts WHERE database = 'rateline' AND table = 'prices' AND active",
    );
    expect(Number(partsAfter[0]!.n)).toBeLessThanOrEqual(Number(partsBefore[0]!.n) + 1);
    const [count] = await sql<{ n: string }>("SELECT count() AS n FROM rateline.prices WHERE batch_id = 'big'");
    expect(Number(count!.n)).toBe(300_000);
  });

  it('migrates idempotently: reopening applies nothing twice', async () => {
    const again = await openChdbStore(dataDir);
    await again.close();
    const rows = await sql<{ version: number; n: number | string }>(
      'SELECT version, count() AS n FROM rateline.schema_migrations GROUP BY version ORDER BY version',
    );
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});
