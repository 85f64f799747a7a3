import fs from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { isNetworkError } from '../../store-errors';

/** A ClickHouse server reached over HTTP(S). */
export interface ClickHouseServer {
  readonly kind: 'server';
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** How long one request may take before it fails as unavailable. */
  readonly requestTimeoutMs: number;
  /** How many budgeted reads of this process run on the server at once; the others wait in line. */
  readonly maxConcurrentQueries: number;
}

/** The in-process chDB engine: one directory per process, since chDB binds its directory to its process. */
export interface EmbeddedChdb {
  readonly kind: 'embedded';
  readonly dataDir: string;
}

/** Which ClickHouse the adapter talks to. */
export type ClickHouseEngine = ClickHouseServer | EmbeddedChdb;

/**
 * chdb's declarations name `@clickhouse/client-common`'s types and the client bundles its own copy of
 * them; the shapes agree at run time (chdb's documented integration) but TypeScript sees two modules.
 */
type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

/**
 * One `@clickhouse/client` for both engines: a ClickHouse server, or the in-process chDB engine
 * plugged in as the client's connection. Everything above this function runs the same code against
 * either.
 */
export function createClickHouseClient(engine: ClickHouseEngine): ClickHouseClient {
  if (engine.kind === 'server') {
    return createClient({
      url: engine.url,
      username: engine.username,
      password: engine.password,
      request_timeout: engine.requestTimeoutMs,
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      // The client would print its own (non-JSON) error lines; the store reports failures in its logs.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }
  fs.mkdirSync(engine.dataDir, { recursive: true });
  return createClient({
    connection: createChdbConnection({ path: engine.dataDir }) as unknown as ClientConnection,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
}

/**
 * How many budgeted reads run at once. chDB runs parameterized queries one at a time per process
 * anyway (chdb serializes them through one chain: concurrent bound parameters clobber each other), so
 * the line in front of it holds one, and the wait is measured where it happens.
 */
export function concurrentReads(engine: ClickHouseEngine): number {
  return engine.kind === 'server' ? engine.maxConcurrentQueries : 1;
}

/**
 * What to do on a read's connection after a query on it failed midway (stopped by KILL QUERY or
 * `max_execution_time`, or any error while it ran). chDB 3.4 hands the output such a query had begun
 * to the next query on the same connection, which then fails to parse (seen with JSON: two documents
 * in one answer); a throwaway statement takes it instead. A server answers each HTTP request apart.
 */
export async function recoverAfterFailedRead(engine: ClickHouseEngine, client: ClickHouseClient): Promise<void> {
  if (engine.kind === 'embedded') await client.command({ query: 'SELECT 1' });
}

/**
 * A ClickHouse server that could not be reached or did not answer in time (the client's own timeout
 * error has no code, only this message): analytics are unavailable, as opposed to a query ClickHouse
 * refused.
 */
export function isClickHouseUnavailable(error: unknown): boolean {
  return isNetworkError(error) || (error instanceof Error && error.message === 'Timeout error.');
}
