import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { queryTimeout, type Budget } from '../../../domain/budget';
import { recoverAfterFailedRead, type ClickHouseEngine } from './client';
import { select } from './database';
import type { AnalyticsSaturation } from '../ports';
import { QueryLine } from './query-line';
import { settingsClause, type QuerySettings } from './sql';

/** ClickHouse's error when `max_execution_time` stopped a query (code 159). */
const isTimeoutExceeded = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'TIMEOUT_EXCEEDED';

/**
 * Stops the query tagged `tag` (its query_id and its `log_comment`). A server knows it by its
 * query_id; chDB has no query ids of its own (the connection makes one up that the engine never sees),
 * but lists running queries in `system.processes` with their settings, as a server does.
 */
const killStatement = (tag: string): string =>
  `KILL QUERY WHERE query_id = '${tag}' OR Settings['log_comment'] = '${tag}' ASYNC`;

/**
 * The query's own limit in the engine, so that it stops there even if nobody is left to kill it (its
 * process stalled): the budget's remaining time, in seconds. A SETTINGS clause rather than the client's
 * `clickhouse_settings`, which the chDB connection turns into `SET` statements that stay on the
 * connection for every later query.
 */
function budgetSettings(tag: string, remainingMs: number, settings: QuerySettings): string {
  return settingsClause({
    ...settings,
    ...(Number.isFinite(remainingMs) && { max_execution_time: Math.max(remainingMs, 1) / 1000 }),
    log_comment: tag,
  });
}

/**
 * The analytical reads requests wait on: through the {@link QueryLine} on a connection of their own,
 * each one stopped in the engine when its budget runs out or its client leaves. Stopped, not only
 * abandoned: its remaining time is its `max_execution_time`, and a budget that fires sooner (the client
 * went away) issues KILL QUERY on the control connection, so the engine is free for the next read at
 * once instead of finishing work nobody waits for.
 */
export class BudgetedReads {
  private readonly line: QueryLine;

  constructor(
    private readonly engine: ClickHouseEngine,
    /** Serves budgeted reads only, so that what chDB leaves behind a failed read stays among them. */
    private readonly client: ClickHouseClient,
    /** Where KILL QUERY goes: it must not wait behind the read it stops. */
    private readonly control: ClickHouseClient,
    concurrency: number,
    saturationWaitMs: number,
  ) {
    this.line = new QueryLine(concurrency, saturationWaitMs);
  }

  /**
   * The rows of a SELECT run within `budget` and with the query's own `settings`; rejects with the
   * budget's reason once it is spent.
   */
  select<Row>(
    query: string,
    params: Record<string, unknown>,
    budget: Budget,
    settings: QuerySettings = {},
  ): Promise<Row[]> {
    return this.line.run(budget.signal, () => this.execute<Row>(query, params, budget, settings));
  }

  saturation(): AnalyticsSaturation | undefined {
    return this.line.saturation();
  }

  private async execute<Row>(
    query: string,
    params: Record<string, unknown>,
    budget: Budget,
    settings: QuerySettings,
  ): Promise<Row[]> {
    const tag = randomUUID();
    const kill = (): void => {
      // Nobody waits for the kill: the read's caller has its answer already. If it fails, the query
      // still ends at its max_execution_time.
      this.control.command({ query: killStatement(tag) }).catch(() => undefined);
    };
    budget.signal.addEventListener('abort', kill, { once: true });
    try {
      return await select<Row>(
        this.client,
        `${query}\n${budgetSettings(tag, budget.deadline - Date.now(), settings)}`,
        params,
        {
          query_id: tag,
        },
      );
    } catch (error) {
      await recoverAfterFailedRead(this.engine, this.client).catch(() => undefined);
      // The engine's own limit may strike a moment before the budget's timer does.
      if (isTimeoutExceeded(error)) throw queryTimeout(budget.timeoutMs);
      throw error;
    } finally {
      budget.signal.removeEventListener('abort', kill);
    }
  }
}
