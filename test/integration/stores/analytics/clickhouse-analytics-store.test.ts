/**
 * The ClickHouse adapter on both engines: the analytics store contract plus what only ClickHouse's
 * layout promises (one INSERT is one part, migrations run once). Always on chDB in-process; in
 * addition on the ClickHouse server CLICKHOUSE_URL names, if any (in a database of its own, dropped
 * afterwards; CLICKHOUSE_USER and CLICKHOUSE_PASSWORD apply).
 */
import { randomUUID } from 'node:crypto';
import { clickHouseStoreOptions } from '../../../../src/app/rateline';
import type { PriceRecord } from '../../../../src/domain/batch';
import { parseDay } from '../../../../src/domain/day';
import {
  openClickHouseAnalyticsStore,
  type AnalyticsStore,
  type ClickHouseStoreOptions,
} from '../../../../src/stores/analytics';
import { createClickHouseClient } from '../../../../src/stores/analytics/clickhouse/client';
import { select } from '../../../../src/stores/analytics/clickhouse/database';
import { removeDataDir, temporaryDataDir, testConfig } from '../../../helpers/components';
import { describeAnalyticsStoreContract, type OpenedAnalyticsStore } from './analytics-store-contract';

interface OpenedEngine extends OpenedAnalyticsStore {
  readonly database: string;
  /** Runs a query on a client of its own (system tables, the schema's bookkeeping). */
  sql<Row>(query: string): Promise<Row[]>;
}

/**
 * Opens the store before the tests registered in the enclosing describe and disposes of it after
 * them; answers an accessor for it. `env`: the configuration's environment (the database included).
 */
function openedEngine(
  env: (dataDir: string) => NodeJS.ProcessEnv,
  dispose: (o: ClickHouseStoreOptions) => Promise<void>,
) {
  let dataDir: string;
  let options: ClickHouseStoreOptions;
  let opened: OpenedEngine | undefined;
  beforeAll(async () => {
    dataDir = temporaryDataDir();
    options = clickHouseStoreOptions(testConfig(dataDir, env(dataDir)).clickhouse);
    const store: AnalyticsStore = await openClickHouseAnalyticsStore(options);
    opened = {
      store,
      database: options.database,
      reopen: () => openClickHouseAnalyticsStore(options),
      async sql<Row>(query: string) {
        const client = createClickHouseClient(options.engine);
        try {
          return await select<Row>(client, query);
        } finally {
          await client.close();
        }
      },
    };
  });
  afterAll(async () => {
    await opened?.store.close();
    if (options) await dispose(options);
    removeDataDir(dataDir);
  });
  return (): OpenedEngine => {
    if (!opened) throw new Error('The analytics store did not open (see the error of beforeAll above)');
    return opened;
  };
}

const price = (
  itemIndex: number,
  originCode: string,
  destinationCode: string,
  dayText: string,
  usdCents: number,
): PriceRecord => ({
  itemIndex,
  originCode,
  destinationCode,
  day: parseDay(dayText)!,
  usdCents,
  currency: 'USD',
  amountMinor: usdCents,
  usdPerUnit: '1',
  containerType: null,
  contractTerm: null,
});

/** What only the ClickHouse adapter promises, beyond the contract. */
function describeClickHouseAdapter(adapter: string, engine: () => OpenedEngine): void {
  describe(`${adapter}: ClickHouse layout and migrations`, () => {
    it('writes one INSERT of 300,000 prices as a single part (so it becomes visible all at once)', async () => {
      const partsBefore = await engine().sql<{ n: string }>(
        `SELECT count() AS n FROM system.parts WHERE database = '${engine().database}' AND table = 'prices' AND active`,
      );
      const big = Array.from({ length: 300_000 }, (_, i) =>
        price(i, 'EEEEE', 'FFFFF', i % 2 ? '2017-03-01' : '2017-03-02', 1_00),
      );
      await engine().store.replica.applyChanges({ batches: [{ batchId: 'big', prices: big }], retractedBatchIds: [] });
      const partsAfter = await engine().sql<{ n: string }>(
        `SELECT count() AS n FROM system.parts WHERE database = '${engine().database}' AND table = 'prices' AND active`,
      );
      expect(Number(partsAfter[0]!.n)).toBeLessThanOrEqual(Number(partsBefore[0]!.n) + 1);
      const [count] = await engine().sql<{ n: string }>(
        `SELECT count() AS n FROM ${engine().database}.prices WHERE batch_id = 'big'`,
      );
      expect(Number(count!.n)).toBe(300_000);
    });

    it('migrates idempotently: reopening applies nothing twice', async () => {
      const again = await engine().reopen();
      await again.close();
      const rows = await engine().sql<{ version: number; n: number | string }>(
        `SELECT version, count() AS n FROM ${engine().database}.schema_migrations GROUP BY version ORDER BY version`,
      );
      expect(rows.map((r) => [r.version, Number(r.n)])).toEqual([
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
      ]);
    });
  });
}

describe('on chDB', () => {
  const engine = openedEngine(
    () => ({}),
    () => Promise.resolve(),
  );
  describeAnalyticsStoreContract('chDB', engine);
  describeClickHouseAdapter('chDB', engine);
});

const clickhouseUrl = process.env.CLICKHOUSE_URL;

if (clickhouseUrl) {
  describe('on CLICKHOUSE_URL', () => {
    const engine = openedEngine(
      () => ({
        CLICKHOUSE_URL: clickhouseUrl,
        CLICKHOUSE_DATABASE: `rateline_test_${randomUUID().replaceAll('-', '')}`,
        ...(process.env.CLICKHOUSE_USER === undefined ? {} : { CLICKHOUSE_USER: process.env.CLICKHOUSE_USER }),
        ...(process.env.CLICKHOUSE_PASSWORD === undefined
          ? {}
          : { CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD }),
      }),
      async (options) => {
        const client = createClickHouseClient(options.engine);
        try {
          await client.command({ query: `DROP DATABASE IF EXISTS ${options.database}` });
        } finally {
          await client.close();
        }
      },
    );
    describeAnalyticsStoreContract('ClickHouse server', engine);
    describeClickHouseAdapter('ClickHouse server', engine);
  });
} else {
  describe('on CLICKHOUSE_URL', () => {
    it.skip(
      'runs the analytics store contract against a ClickHouse server ' +
        '(skipped: CLICKHOUSE_URL is unset; set it to a server, http(s)://host:8123, to run it)',
      () => undefined,
    );
  });
}
