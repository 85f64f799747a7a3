import type { ClickHouseClient } from '@clickhouse/client';
import type { RunningRateline } from '../../src/app/rateline';
import type { Config } from '../../src/config';
import type { BenchRow } from './stats';

/** Everything a benchmark section may use; run.ts builds it once and closes it at the end. */
export interface BenchContext {
  readonly config: Config;
  /**
   * The real service, started in this process on an ephemeral port with ANSWER_CACHE=off: the
   * sections time the engine's path, which cached answers would hide (hot-reads restarts it).
   */
  readonly running: RunningRateline;
  /** Stops the service and starts it again on the same data with these variables changed. */
  restartService(overrides: Readonly<Record<string, string>>): Promise<void>;
  /** A second client on the service's analytics store, for the queries measured "directly". */
  readonly direct: ClickHouseClient;
  /** A key with both roles, configured on the service; every request of the bench sends it. */
  readonly apiKey: string;
  /** Timed iterations per measured case (BENCH_ITERATIONS). */
  readonly iterations: number;
  /** Untimed iterations per measured case before the timed ones (BENCH_WARMUP). */
  readonly warmup: number;
  /** A progress line on stderr; stdout carries only the table. */
  readonly progress: (message: string) => void;
}

/** One part of the benchmark: measures something and returns its rows of the table. */
export interface BenchSection {
  readonly name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

/** Runs `fn` and returns how long it took, in milliseconds. */
export async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Collects garbage between phases when node runs with --expose-gc (as `npm run bench` does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A positive whole number from the environment (`_` and `,` allowed as separators), or `fallback`. */
export function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim().replace(/[_,]/g, '');
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive whole number (got "${raw}")`);
  return Number(raw);
}
