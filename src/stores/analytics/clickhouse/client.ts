import fs from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseConfig } from '../../../config';

/**
 * chdb's declarations name `@clickhouse/client-common`'s types and the client bundles its own copy of
 * them; the shapes agree at run time (chdb's documented integration) but TypeScript sees two modules.
 */
type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

/**
 * One `@clickhouse/client` for both shapes: a ClickHouse server when `url` is set, otherwise the
 * in-process chDB engine plugged in as the client's connection. Everything above this function runs
 * the same code against either.
 */
export function createClickHouseClient(config: ClickHouseConfig): ClickHouseClient {
  if (config.url) {
    return createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      request_timeout: config.requestTimeoutMs,
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
  }
  fs.mkdirSync(config.embeddedDataDir, { recursive: true });
  return createClient({
    connection: createChdbConnection({ path: config.embeddedDataDir }) as unknown as ClientConnection,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
}
