import type { ClickHouseClient } from '@clickhouse/client';
import type { Budget } from '../../../domain/budget';
import type { DayRange, LanePorts } from '../ports';
import type { BudgetedReads } from './budgeted-reads';
import { select } from './database';
import { migrateAnalyticsSchema } from './migrations';
import { selectedPricesParams, type QuerySettings } from './sql';

/**
 * The client and database every port of the adapter shares, and whether the schema is up to date: a
 * ClickHouse server unreachable at start is migrated by the first call that reaches it. Every call
 * below waits for that first, so the ports never have to.
 */
export class AnalyticsDatabase {
  /** Resolved once the schema is up to date; unset while it is not (yet) or the last try failed. */
  private schemaReady: Promise<void> | undefined;

  constructor(
    private readonly client: ClickHouseClient,
    readonly name: string,
    schema: 'migrated' | 'not-migrated',
    /** The lane queries requests wait on. */
    readonly reads: BudgetedReads,
  ) {
    if (schema === 'migrated') this.schemaReady = Promise.resolve();
  }

  /** Migrates the schema if a start could not; concurrent callers share one attempt. */
  private ready(): Promise<void> {
    this.schemaReady ??= migrateAnalyticsSchema(this.client, this.name).then(
      () => undefined,
      (error: unknown) => {
        this.schemaReady = undefined;
        throw error;
      },
    );
    return this.schemaReady;
  }

  /** The rows of a SELECT (see {@link select}). */
  async select<Row>(query: string, params?: Record<string, unknown>): Promise<Row[]> {
    await this.ready();
    return select<Row>(this.client, query, params);
  }

  /**
   * The rows of a query over the prices of a lane and range (its parameters are
   * {@link selectedPricesParams} plus `params`), run within `budget` (see {@link BudgetedReads}) with
   * its `settings`; none, without asking, when a side of the lane has no port, since no price can match.
   */
  async selectOnLane<Row>(
    query: string,
    lane: LanePorts,
    range: DayRange,
    budget: Budget,
    { params = {}, settings = {} }: { params?: Record<string, unknown>; settings?: QuerySettings } = {},
  ): Promise<Row[]> {
    await this.ready();
    if (lane.originPorts.length === 0 || lane.destinationPorts.length === 0) return [];
    return this.reads.select<Row>(query, { ...selectedPricesParams(lane, range), ...params }, budget, settings);
  }

  async insert(params: Parameters<ClickHouseClient['insert']>[0]): Promise<void> {
    await this.ready();
    await this.client.insert(params);
  }

  async command(params: Parameters<ClickHouseClient['command']>[0]): Promise<void> {
    await this.ready();
    await this.client.command(params);
  }
}
