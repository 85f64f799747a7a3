import type { ClickHouseClient } from '@clickhouse/client';
import { select } from './database';
import { migrateAnalyticsSchema } from './migrations';

/**
 * The client and database every port of the adapter shares, and whether the schema is up to date: a
 * ClickHouse server unreachable at start is migrated by the first call that reaches it.
 */
export class AnalyticsDatabase {
  /** Resolved once the schema is up to date; unset while it is not (yet) or the last try failed. */
  private schemaReady: Promise<void> | undefined;

  constructor(
    readonly client: ClickHouseClient,
    readonly name: string,
    schema: 'migrated' | 'not-migrated',
  ) {
    if (schema === 'migrated') this.schemaReady = Promise.resolve();
  }

  /** Migrates the schema if a start could not; concurrent callers share one attempt. */
  ready(): Promise<void> {
    this.schemaReady ??= migrateAnalyticsSchema(this.client, this.name).then(
      () => undefined,
      (error: unknown) => {
        this.schemaReady = undefined;
        throw error;
      },
    );
    return this.schemaReady;
  }

  /** The rows of a SELECT on this database's client (see {@link select}); callers await {@link ready} first. */
  select<Row>(query: string, params?: Record<string, unknown>): Promise<Row[]> {
    return select<Row>(this.client, query, params);
  }
}
