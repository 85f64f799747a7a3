import type { AnalyticsStore } from '../ports';
import { concurrentReads, createClickHouseClient, isClickHouseUnavailable, type ClickHouseEngine } from './client';
import { AnalyticsDatabase } from './analytics-database';
import { BudgetedReads } from './budgeted-reads';
import { migrateAnalyticsSchema } from './migrations';
import { ClickHousePriceStatistics } from './price-statistics';
import { ClickHousePriceTotals } from './price-totals';
import { ClickHouseReplica } from './replica';
import { ClickHouseSnapshots } from './snapshots';
import { PING_QUERY } from './sql';

export { isClickHouseUnavailable } from './client';

/** What the ClickHouse adapter needs: which engine, and the database its tables live in. */
export interface ClickHouseStoreOptions {
  readonly engine: ClickHouseEngine;
  readonly database: string;
  /** A read waiting for its turn longer than this saturates the engine (see AnalyticsStore.saturation). */
  readonly saturationWaitMs: number;
}

/**
 * Connects (or starts the in-process engine), brings the schema up to date and composes the ports. A
 * ClickHouse server that cannot be reached does not stop the start: the store then migrates on the
 * first call that reaches the server (until then its calls fail as the client does; the composition
 * root's guard turns that into ANALYTICS_UNAVAILABLE). chDB failing to migrate does stop it.
 */
export async function openClickHouseAnalyticsStore(options: ClickHouseStoreOptions): Promise<AnalyticsStore> {
  const client = createClickHouseClient(options.engine);
  let schema: 'migrated' | 'not-migrated' = 'migrated';
  try {
    await migrateAnalyticsSchema(client, options.database);
  } catch (error) {
    if (!(options.engine.kind === 'server' && isClickHouseUnavailable(error))) {
      await client.close();
      throw error;
    }
    schema = 'not-migrated';
  }
  // The lane queries requests wait on get a connection of their own (see BudgetedReads).
  const readClient = createClickHouseClient(options.engine);
  const reads = new BudgetedReads(
    options.engine,
    readClient,
    client,
    concurrentReads(options.engine),
    options.saturationWaitMs,
  );
  const db = new AnalyticsDatabase(client, options.database, schema, reads);
  return {
    totals: new ClickHousePriceTotals(db),
    statistics: new ClickHousePriceStatistics(db),
    replica: new ClickHouseReplica(db),
    snapshots: new ClickHouseSnapshots(client, options.engine, options.database),
    /** Resolves when ClickHouse answers a trivial query (and the schema is in place). */
    async checkAvailable() {
      await db.select<{ one: number }>(PING_QUERY);
    },
    saturation: () => reads.saturation(),
    close: async () => {
      await Promise.all([readClient.close(), client.close()]);
    },
  };
}
