import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The format of every read: `JSON` is decoded with one JSON.parse, where `JSONEachRow` parses line by
 * line. Exported so that the benchmark reads exactly as the API does.
 */
export const READ_FORMAT = 'JSON';

/** What a budgeted read adds to a query (see budgeted-reads.ts). */
export interface SelectOptions {
  readonly query_id?: string;
}

/** The one read path: runs a SELECT with its parameters and answers its rows. */
export async function select<Row>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
  options: SelectOptions = {},
): Promise<Row[]> {
  const result = await client.query({ query, query_params: params, format: READ_FORMAT, ...options });
  const { data } = await result.json<Row>();
  return data;
}
