import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { countedBefore, mayPrune, replicasToRetire, type RetentionPolicy } from '../domain/retention';
import type { Logger } from '../logging/logger';
import type { OperationalStore } from '../stores/operational';

export interface RetentionJobOptions extends RetentionPolicy {
  /** How often the job looks for prices to remove. */
  readonly intervalMs: number;
  /** Batches considered per round. */
  readonly batchesPerRound: number;
  /** Prices one step removes: one short transaction (SQLite) or one bounded delete (MongoDB). */
  readonly pricesPerStep: number;
  /** Longest pause between rounds after a failure (the backoff doubles up to it). */
  readonly maxBackoffMs: number;
}

/** What the job tells its observer (the composition root points these at the metrics). */
export interface RetentionEvents {
  pricesRemoved(count: number): void;
  batchesPruned(count: number): void;
  replicasRetired(count: number): void;
}

/** What one round did. */
export interface RetentionRound {
  readonly retiredReplicas: readonly string[];
  readonly prunedBatches: number;
  readonly removedPrices: number;
}

/**
 * Keeps the operational store small: removes the prices of batches that every analytics replica holds
 * and that were counted longer ago than the retention (`domain/retention.ts` decides which), a bounded
 * step at a time, and retires replicas silent for longer than the retirement period. Any number of
 * processes may run it at once, and any step may be cut short: a batch is marked before its prices go
 * (so a replica that joins meanwhile is refused), each step is atomic, and the next round finishes
 * what a crash left.
 */
export class RetentionJob {
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly stopSignal = new AbortController();

  constructor(
    private readonly operational: Pick<OperationalStore, 'replicas' | 'retention'>,
    private readonly events: RetentionEvents,
    private readonly log: Logger,
    private readonly options: RetentionJobOptions,
  ) {}

  start(): void {
    this.running ??= this.runUntilStopped();
  }

  /** Finishes the step in hand and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.running;
  }

  /** One round at `now`: retire the silent replicas, then prune what may go. */
  async runOnce(now: Date = new Date()): Promise<RetentionRound> {
    const { replicas, retention } = this.operational;
    const retiredReplicas = await this.retireSilentReplicas(now);
    const known = await replicas.replicas();
    let prunedBatches = 0;
    let removedPrices = 0;
    for (const candidate of await retention.candidates(
      countedBefore(this.options, now),
      this.options.batchesPerRound,
    )) {
      if (this.stopping) break;
      if (!mayPrune(candidate, known, this.options, now)) continue;
      if (!(await retention.markPruning(candidate.batchId, candidate.countedAt))) continue;
      // A replica that registered before the mark is not in `known`: it must acknowledge first. One
      // that registers after it sees the mark and is refused (ReplicaMembership.join).
      if (!mayPrune(candidate, await replicas.replicas(), this.options, now)) continue;
      removedPrices += await this.removeAll(candidate.batchId);
      prunedBatches += 1;
    }
    if (prunedBatches > 0) {
      this.events.batchesPruned(prunedBatches);
      this.log.info(
        { batches: prunedBatches, prices: removedPrices },
        'retention removed prices from the operational store',
      );
    }
    return { retiredReplicas, prunedBatches, removedPrices };
  }

  private async retireSilentReplicas(now: Date): Promise<string[]> {
    const { replicas } = this.operational;
    const silent = replicasToRetire(await replicas.replicas(), this.options, now);
    if (silent.length === 0) return [];
    const retired = await replicas.retire(silent, new Date(now.getTime() - this.options.retireAfterMs), now);
    for (const replicaId of retired) {
      this.log.warn(
        { replicaId, retireAfterMs: this.options.retireAfterMs },
        'retired an analytics replica silent for longer than REPLICA_RETIRE_AFTER: retention no longer waits for it, ' +
          'and it refuses to replicate if it comes back',
      );
    }
    if (retired.length > 0) this.events.replicasRetired(retired.length);
    return retired;
  }

  /** Removes a marked batch's prices step by step; requests of this process run between steps. */
  private async removeAll(batchId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.operational.retention.removePrices(batchId, this.options.pricesPerStep);
      total += removed;
      this.events.pricesRemoved(removed);
      if (removed < this.options.pricesPerStep) return total;
      await yieldToEventLoop();
    }
  }

  private async runUntilStopped(): Promise<void> {
    let backoffMs = this.options.intervalMs;
    while (!this.stopping) {
      try {
        await this.runOnce();
        backoffMs = this.options.intervalMs;
        await this.pause(this.options.intervalMs);
      } catch (error) {
        this.log.error({ err: error, retryInMs: backoffMs }, 'retention failed; retrying');
        await this.pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs);
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
  }
}
