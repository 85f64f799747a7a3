/**
 * The one polling loop of the tests: asks `probe` again and again until its answer satisfies `done`,
 * and answers that value. Once `timeoutMs` passed it fails naming what it waited for and the last value
 * it saw, so a stuck wait says where it got stuck. A probe that throws fails the wait at once (a probe
 * that may fail for a while, such as a request to a server that is restarting, catches for itself).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface EventuallyOptions {
  /** What is waited for, as the failure names it: "batch 42 replicated". */
  readonly what: string;
  readonly timeoutMs?: number;
  /** The pause between two probes. */
  readonly intervalMs?: number;
}

export async function eventually<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { what, timeoutMs = 30_000, intervalMs = 50 }: EventuallyOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      const seen = typeof value === 'string' ? value : inspect(value, { depth: 6, breakLength: 120 });
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value seen:\n${seen}`);
    }
    await sleep(intervalMs);
  }
}
