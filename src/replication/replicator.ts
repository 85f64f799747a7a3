import { EventEmitter, once } from 'node:events';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { PriceRecord } from '../domain/batch';
import { isDeadProcessOfThisHost, newLeaseHolder } from '../leases';
import type { Logger } from '../logging/logger';
import { recordLeaseAcquired, recordPricesReplicated, recordReplicationFailure } from '../observability/metrics';
import { ReplicationMonitor } from './replication-status';
import type { AnalyticsReplica } from '../stores/analytics';
import {
  FeedRestartRequired,
  type BatchChange,
  type ChangeFeedReader,
  type FeedPosition,
  type BatchStore,
  type OperationalStore,
} from '../stores/operational';

export interface ReplicatorOptions {
  /** Flush once this many prices are waiting (a committed batch is never split across flushes). */
  readonly flushMaxPrices: number;
  /** Flush at the latest this long after the first waiting change arrived. */
  readonly flushIntervalMs: number;
  /** How long a lease lasts unless renewed; a replicator that stops renewing is replaced after it. */
  readonly leaseTtlMs: number;
  /** How long to wait for changes when the feed is idle before looking again. */
  readonly idleWaitMs: number;
  /** Longest pause between retries after a failure (backoff doubles from 100 ms up to this). */
  readonly maxBackoffMs: number;
  /**
   * A batch too large for one flush (more than `flushMaxPrices`) is copied this many prices at a time,
   * each slice its own INSERT: one INSERT of 1,000,000 prices held the event loop for 2.4 s, one of
   * 100,000 for 0.34 s, one of 25,000 for 0.06 s (measured with chDB).
   */
  readonly batchSlicePrices: number;
}

export const DEFAULT_REPLICATOR_OPTIONS: ReplicatorOptions = {
  flushMaxPrices: 200_000,
  flushIntervalMs: 250,
  leaseTtlMs: 15_000,
  idleWaitMs: 500,
  maxBackoffMs: 10_000,
  batchSlicePrices: 25_000,
};

const CHANGES_PER_READ = 500;

class LeaseLost extends Error {
  constructor() {
    super('The replication lease was taken over by another replicator');
  }
}

/**
 * Copies the operational store's change feed into one analytics replica, exactly once in effect:
 *
 * 1. Only the holder of the replica's lease (kept in the operational store) writes to it.
 * 2. A batch's prices go into the replica in one INSERT, so a batch is wholly there or absent; a
 *    batch larger than a flush goes in slices of `batchSlicePrices`, in item order, one INSERT each.
 * 3. After a start or any failure, the first flush asks the replica which of its batches are already
 *    there and skips those: redelivery of what was applied before a crash changes nothing. A large
 *    batch always asks how far it got and resumes after the last item there.
 * 4. Only then is the feed position stored (in the replica), so a crash at any point replays from an
 *    earlier position at worst, and step 3 absorbs the replay.
 *
 * While a large batch is being copied, queries may count part of it (for the seconds the copy takes);
 * a batch of up to `batchSlicePrices` prices appears at once.
 */
export class Replicator {
  private readonly holder = newLeaseHolder();
  private readonly events = new EventEmitter();
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly stopSignal = new AbortController();
  /** Failures since the last successful flush: the backoff doubles with each, up to maxBackoffMs. */
  private consecutiveFailures = 0;

  constructor(
    private readonly operational: Pick<OperationalStore, 'batches' | 'replicationLeases' | 'changeFeed'>,
    private readonly analytics: AnalyticsReplica,
    private readonly log: Logger,
    private readonly options: ReplicatorOptions = DEFAULT_REPLICATOR_OPTIONS,
  ) {
    this.events.setMaxListeners(0);
  }

  start(): void {
    this.running ??= this.runUntilStopped();
  }

  /** Applies what is waiting, stores the checkpoint, releases the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.running;
  }

  /**
   * Resolves once the replica holds every change made before this call. Changes made meanwhile may
   * still be on their way: under steady writes through other processes "nothing pending" may never
   * hold at any one moment (a restarting node waited 46 s for it in the rolling-restart test).
   */
  async caughtUp(timeoutMs: number): Promise<void> {
    // The replica's state, not this replicator's own position: a replicator standing by while another
    // holds the lease is caught up when the replica is.
    const monitor = new ReplicationMonitor(this.operational.changeFeed, this.analytics);
    const asOf = Date.now();
    const deadline = asOf + timeoutMs;
    for (;;) {
      const now = new Date();
      const status = await monitor.status(now);
      // Every change not applied yet is younger than this call: all older ones are in the replica.
      if (status.pendingChanges === 0 || now.getTime() - status.lagMs > asOf) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`Replication did not catch up within ${timeoutMs} ms`);
      await Promise.race([once(this.events, 'applied'), sleep(Math.min(remaining, 100))]);
    }
  }

  private async runUntilStopped(): Promise<void> {
    let replicaId: string | undefined;
    let waitingForLeaseLogged = false;
    while (!this.stopping) {
      try {
        replicaId ??= await this.analytics.replicaId();
        if (!(await this.renewLease(replicaId))) {
          if (!waitingForLeaseLogged) this.log.info({ replicaId }, 'another replicator holds the lease; standing by');
          waitingForLeaseLogged = true;
          await this.pause(this.options.leaseTtlMs / 3);
          continue;
        }
        waitingForLeaseLogged = false;
        recordLeaseAcquired();
        this.log.info({ replicaId }, 'replicator holds the lease; following the change feed');
        await this.followWhileLeased(replicaId);
      } catch (error) {
        if (error instanceof LeaseLost) {
          this.log.warn({ replicaId }, error.message);
          continue;
        }
        // Nothing was checkpointed past what was applied: the next attempt re-reads the checkpoint.
        const retryInMs = Math.min(100 * 2 ** this.consecutiveFailures, this.options.maxBackoffMs);
        this.consecutiveFailures++;
        recordReplicationFailure();
        this.log.error(
          { err: error, attempt: this.consecutiveFailures, retryInMs },
          'replication failed; retrying after a backoff',
        );
        await this.pause(retryInMs);
      }
    }
    if (replicaId === undefined) return;
    await this.operational.replicationLeases.release(replicaId, this.holder).catch((error: unknown) => {
      this.log.warn({ err: error }, 'could not release the replication lease; it expires on its own');
    });
  }

  private async followWhileLeased(replicaId: string): Promise<void> {
    const checkpoint = await this.analytics.replicationCheckpoint();
    let version = checkpoint?.version ?? 0;
    let reader = await this.follow(checkpoint?.position ?? null);
    let leaseRenewedAt = Date.now();
    const pending = new PendingFlush();
    // Until the first flush has checked the replica, changes may repeat what an earlier run applied.
    let replicaChecked = false;
    const keepLease = async (force: boolean) => {
      if (!force && Date.now() - leaseRenewedAt < this.options.leaseTtlMs / 3) return;
      if (!(await this.renewLease(replicaId))) throw new LeaseLost();
      leaseRenewedAt = Date.now();
    };
    const flush = async () => {
      await keepLease(true);
      const applied = await pending.applyTo(this.analytics, this.operational.batches, replicaChecked, ++version);
      replicaChecked = true;
      this.consecutiveFailures = 0;
      recordPricesReplicated(applied.prices);
      this.events.emit('applied');
      this.log.debug(applied, 'replicated changes');
    };
    const copyLargeBatch = async (change: BatchChange) => {
      if (!pending.isEmpty) await flush();
      await keepLease(true);
      const copied = await this.copyInSlices(change.batchId, () => keepLease(false));
      const appliedAt = new Date();
      await this.operational.batches.markReplicated([change], appliedAt);
      await this.analytics.saveCheckpoint({ position: change.position, appliedAt, version: ++version });
      this.events.emit('applied');
      this.log.info({ batchId: change.batchId, prices: copied }, 'replicated a large batch in slices');
    };
    try {
      while (!this.stopping || !pending.isEmpty) {
        const waitMs = this.stopping
          ? 0
          : pending.isEmpty
            ? this.options.idleWaitMs
            : this.options.flushIntervalMs - (Date.now() - pending.firstAddedAt);
        let changes: BatchChange[];
        try {
          changes = await reader.next(CHANGES_PER_READ, Math.max(0, waitMs));
        } catch (error) {
          if (!(error instanceof FeedRestartRequired)) throw error;
          this.log.warn({ reason: error.message }, 'change feed restarts from a snapshot');
          pending.discard();
          await reader.close();
          reader = await this.follow(null);
          replicaChecked = false;
          continue;
        }
        // Idle with nothing pending: both stores answered, so the next failure starts a fresh backoff.
        if (changes.length === 0 && pending.isEmpty) this.consecutiveFailures = 0;
        // One change at a time, so that a flush never grows past flushMaxPrices by more than one batch.
        for (const change of changes) {
          const size = change.kind === 'committed' ? await this.acceptedPrices(change.batchId) : 0;
          if (size > this.options.flushMaxPrices) {
            await copyLargeBatch(change);
            continue;
          }
          pending.add(change, size > 0 ? await this.operational.batches.pricesOf(change.batchId, null, size) : []);
          if (pending.priceCount >= this.options.flushMaxPrices) await flush();
        }
        const due =
          !pending.isEmpty &&
          (changes.length === 0 || this.stopping || Date.now() - pending.firstAddedAt >= this.options.flushIntervalMs);
        if (due) await flush();
        else await keepLease(false);
      }
    } finally {
      await reader.close();
    }
  }

  /**
   * Copies one batch a slice at a time, starting after the last item the replica already holds (a
   * copy cut short by a crash resumes where it stopped); answers how many prices it copied.
   */
  private async copyInSlices(batchId: string, keepLease: () => Promise<void>): Promise<number> {
    const size = this.options.batchSlicePrices;
    const through = (await this.analytics.replicatedThrough([batchId])).get(batchId) ?? null;
    let slice = await this.operational.batches.pricesOf(batchId, through, size);
    let copied = 0;
    while (slice.length > 0) {
      await this.analytics.applyChanges({ batches: [{ batchId, prices: slice }], retractedBatchIds: [] });
      copied += slice.length;
      await keepLease();
      const last = slice.at(-1) as PriceRecord;
      if (slice.length < size) break;
      // Requests served by this process run between slices.
      await yieldToEventLoop();
      slice = await this.operational.batches.pricesOf(batchId, last.itemIndex, size);
    }
    return copied;
  }

  /** How many prices a committed batch holds (0 once it is gone or holds none). */
  private async acceptedPrices(batchId: string): Promise<number> {
    const [batch] = await this.operational.batches.byIds([batchId]);
    return batch?.acceptedCount ?? 0;
  }

  private async follow(from: FeedPosition | null): Promise<ChangeFeedReader> {
    try {
      return await this.operational.changeFeed.follow(from);
    } catch (error) {
      if (!(error instanceof FeedRestartRequired) || from === null) throw error;
      this.log.warn({ reason: error.message }, 'change feed restarts from a snapshot');
      return this.operational.changeFeed.follow(null);
    }
  }

  /**
   * Takes or renews the lease. A lease left by a process of this host that no longer runs (killed, not
   * stopped) is taken over at once instead of after it expires: a restarted embedded service would
   * otherwise wait out the whole TTL before analytics move again.
   */
  private async renewLease(replicaId: string): Promise<boolean> {
    const ttl = this.options.leaseTtlMs;
    if (await this.operational.replicationLeases.acquire(replicaId, this.holder, ttl, new Date())) return true;
    const current = await this.operational.replicationLeases.holder(replicaId);
    if (current === undefined || !isDeadProcessOfThisHost(current)) return false;
    this.log.warn({ replicaId, previousHolder: current }, 'taking over the lease of a replicator that died');
    return this.operational.replicationLeases.acquire(replicaId, this.holder, ttl, new Date(), current);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
  }
}

/** Changes read from the feed and not yet applied, with the prices of the batches they commit. */
class PendingFlush {
  private changes: BatchChange[] = [];
  private prices = new Map<string, readonly PriceRecord[]>();
  priceCount = 0;
  firstAddedAt = 0;

  get isEmpty(): boolean {
    return this.changes.length === 0;
  }

  /** `prices`: every price of a committed batch (none for a retraction). */
  add(change: BatchChange, prices: readonly PriceRecord[]): void {
    if (this.isEmpty) this.firstAddedAt = Date.now();
    this.changes.push(change);
    if (change.kind !== 'committed') return;
    this.prices.set(change.batchId, prices);
    this.priceCount += prices.length;
  }

  discard(): void {
    this.changes = [];
    this.prices = new Map();
    this.priceCount = 0;
  }

  async applyTo(
    analytics: AnalyticsReplica,
    batchStore: BatchStore,
    replicaChecked: boolean,
    version: number,
  ): Promise<{ position: FeedPosition; changes: number; prices: number }> {
    const last = this.changes.at(-1);
    if (!last) throw new Error('Nothing to apply');
    const committedIds = [...this.prices.keys()];
    const alreadyThere = replicaChecked ? new Map<string, number>() : await analytics.replicatedThrough(committedIds);
    const batches = committedIds
      .filter((id) => !alreadyThere.has(id))
      .map((batchId) => ({ batchId, prices: this.prices.get(batchId) ?? [] }));
    const retractedBatchIds = this.changes.filter((c) => c.kind === 'retracted').map((c) => c.batchId);
    await analytics.applyChanges({ batches, retractedBatchIds });
    const appliedAt = new Date();
    await batchStore.markReplicated(this.changes, appliedAt);
    await analytics.saveCheckpoint({ position: last.position, appliedAt, version });
    const prices = batches.reduce((sum, b) => sum + b.prices.length, 0);
    const summary = { position: last.position, changes: this.changes.length, prices };
    this.discard();
    return summary;
  }
}
