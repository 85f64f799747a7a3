import fs from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseConfig } from '../../../config';
import { isNetworkError } from '../../store-errors';

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
      // The client would print its own (non-JSON) error lines; the store reports failures in its logs.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }
  fs.mkdirSync(config.embeddedDataDir, { recursive: true });
  return createClient({
    connection: createChdbConnection({ path: config.embeddedDataDir }) as unknown as ClientConnection,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
}

/**
 * A ClickHouse server that could not be reached or did not answer in time (the client's own timeout
 * error has no code, only this message): analytics are unavailable, as opposed to a query ClickHouse
 * refused.
 */
export function isClickHouseUnavailable(error: unknown): boolean {
  return isNetworkError(error) || (error instanceof Error && error.message === 'Timeout error.');
}
