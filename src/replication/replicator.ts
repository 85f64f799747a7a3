import { EventEmitter, once } from 'node:events';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { newLeaseHolder } from '../leases';
import type { PriceRecord } from '../domain/batch';
import type { Logger } from '../logging/logger';
import type { AnalyticsReplica } from '../stores/analytics';
import {
  FeedRestartRequired,
  type BatchChange,
  type ChangeFeedReader,
  type FeedPosition,
  type OperationalStore,
} from '../stores/operational';
import { Backoff } from './backoff';
import { LeaseLost, ReplicaLease } from './replica-lease';
import { ReplicaMembership, ReplicaRefused } from './replica-membership';
import { ReplicationMonitor } from './replication-status';
import { ReplicationSession } from './replication-session';
import { ReplicaWrite } from './pending-flush';

/** Every setting of a replicator; the composition root passes each one (there are no defaults here). */
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

/** What a replicator tells its observer (the composition root points these at the metrics). */
export interface ReplicatorEvents {
  /** This replicator took (or, after a failure, took again) the replica's lease. */
  leaseAcquired(): void;
  /** Prices just applied to the replica: once per flush (0 for retractions only) and per slice of a large batch. */
  pricesReplicated(count: number): void;
  /** An attempt failed; the replicator retries after a backoff. */
  failed(error: unknown): void;
}

/** What one write to the replica came to: a flush, or a batch too large for one copied in slices. */
export interface ReplicaWriteSummary {
  readonly changes: number;
  readonly prices: number;
}

/**
 * Runs one write to the replica (`write`, exactly once) and answers what it answers: the composition
 * root points this at tracing, a span per write with the store calls inside it.
 */
export type ReplicaWriteObserver = (
  kind: 'flush' | 'large-batch',
  write: () => Promise<ReplicaWriteSummary>,
) => Promise<ReplicaWriteSummary>;

export interface ReplicatorDependencies {
  /** The operational store's ports it follows, reads prices from, marks batches in and leases with. */
  readonly operational: Pick<
    OperationalStore,
    'batches' | 'replicationLeases' | 'changeFeed' | 'replicas' | 'retention'
  >;
  /** The analytics replica it writes. */
  readonly replica: AnalyticsReplica;
  readonly log: Logger;
  readonly events: ReplicatorEvents;
  /** Wraps each write to the replica; without it, writes just run. */
  readonly observeWrite?: ReplicaWriteObserver;
}

const unobserved: ReplicaWriteObserver = (_kind, write) => write();

const CHANGES_PER_READ = 500;
/** How often a quiet feed's position is stored: far below any oplog window worth running with. */
const QUIET_POSITION_INTERVAL_MS = 60_000;

/**
 * Copies the operational store's change feed into one analytics replica, exactly once in effect:
 *
 * 1. Only the holder of the replica's lease (kept in the operational store) writes to it.
 * 2. A batch's prices go into the replica in one INSERT, so a batch is wholly there or absent; a
 *    batch larger than a flush goes in slices of `batchSlicePrices`, in item order, one INSERT each.
 * 3. Every write asks the replica first what it records of the batches concerned and skips what is
 *    applied already; it records its intent before writing and the outcome after it (`ReplicaWrite`),
 *    so a write cut short is in doubt, and is completed after the last item the replica holds.
 *    Redelivery of any length, from any restart, changes nothing.
 * 4. Only then is the feed position stored (in the replica), so a crash at any point replays from an
 *    earlier position at worst, and step 3 absorbs the replay.
 *
 * While a large batch is being copied, queries may count part of it (for the seconds the copy takes);
 * a batch of up to `batchSlicePrices` prices appears at once.
 */
export class Replicator {
  private readonly holder = newLeaseHolder();
  /** Emits `applied` after every write to the replica, for {@link caughtUp}. */
  private readonly appliedSignal = new EventEmitter();
  private running: Promise<void> | undefined;
  private quietPositionStoredAt = 0;
  private stopping = false;
  /** Why this replicator refused to write to its replica (it then stays stopped); undefined while it may. */
  private refusal: ReplicaRefused | undefined;
  private readonly stopSignal = new AbortController();
  /** Doubles the pause with each failure since the last successful flush. */
  private readonly backoff: Backoff;
  private readonly operational: ReplicatorDependencies['operational'];
  private readonly replica: AnalyticsReplica;
  private readonly log: Logger;
  private readonly events: ReplicatorEvents;
  private readonly observeWrite: ReplicaWriteObserver;

  constructor(
    dependencies: ReplicatorDependencies,
    private readonly options: ReplicatorOptions,
  ) {
    ({ operational: this.operational, replica: this.replica, log: this.log, events: this.events } = dependencies);
    this.observeWrite = dependencies.observeWrite ?? unobserved;
    this.backoff = new Backoff(options.maxBackoffMs);
    this.appliedSignal.setMaxListeners(0);
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

  /** Why the replicator refuses to write to its replica (readiness reports it); undefined while it does not. */
  refused(): string | undefined {
    return this.refusal?.message;
  }

  /**
   * Resolves once the replica holds every change made before this call, or at once when the replicator
   * refused to write to it (see {@link refused}). Changes made meanwhile may still be on their way:
   * under steady writes through other processes "nothing pending" may never hold at any one moment (a
   * restarting node waited 46 s for it in the rolling-restart test).
   */
  async caughtUp(timeoutMs: number): Promise<void> {
    // The replica's state, not this replicator's own position: a replicator standing by while another
    // holds the lease is caught up when the replica is.
    const monitor = new ReplicationMonitor(this.operational.changeFeed, this.replica);
    const asOf = Date.now();
    const deadline = asOf + timeoutMs;
    for (;;) {
      if (this.refusal) return;
      const now = new Date();
      const status = await monitor.status(now);
      // Every change not applied yet is younger than this call: all older ones are in the replica.
      if (status.pendingChanges === 0 || now.getTime() - status.lagMs > asOf) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`Replication did not catch up within ${timeoutMs} ms`);
      await Promise.race([once(this.appliedSignal, 'applied'), sleep(Math.min(remaining, 100))]);
    }
  }

  private async runUntilStopped(): Promise<void> {
    let lease: ReplicaLease | undefined;
    let waitingForLeaseLogged = false;
    while (!this.stopping) {
      try {
        lease ??= new ReplicaLease(
          this.operational.replicationLeases,
          await this.replica.replicaId(),
          this.holder,
          this.options.leaseTtlMs,
          this.log,
        );
        const { replicaId } = lease;
        if (!(await lease.acquire())) {
          if (!waitingForLeaseLogged) this.log.info({ replicaId }, 'another replicator holds the lease; standing by');
          waitingForLeaseLogged = true;
          await this.pause(lease.renewalIntervalMs);
          continue;
        }
        waitingForLeaseLogged = false;
        this.events.leaseAcquired();
        this.log.info({ replicaId }, 'replicator holds the lease; following the change feed');
        await this.followWhileLeased(lease);
      } catch (error) {
        if (error instanceof ReplicaRefused) {
          this.refusal = error;
          this.log.error({ replicaId: lease?.replicaId }, `replicator refuses to replicate: ${error.message}`);
          this.appliedSignal.emit('applied');
          break;
        }
        if (error instanceof LeaseLost) {
          this.log.warn({ replicaId: lease?.replicaId }, error.message);
          continue;
        }
        // Nothing was checkpointed past what was applied: the next attempt re-reads the checkpoint.
        const { attempt, retryInMs } = this.backoff.failed();
        this.events.failed(error);
        this.log.error({ err: error, attempt, retryInMs }, 'replication failed; retrying after a backoff');
        await this.pause(retryInMs);
      }
    }
    await lease?.release().catch((error: unknown) => {
      this.log.warn({ err: error }, 'could not release the replication lease; it expires on its own');
    });
  }

  private async followWhileLeased(lease: ReplicaLease): Promise<void> {
    const checkpoint = await this.replica.replicationCheckpoint();
    const membership = new ReplicaMembership(this.operational, lease.replicaId, lease.renewalIntervalMs);
    let reader = await this.follow(await membership.join(checkpoint));
    const session = new ReplicationSession(lease, membership, checkpoint, await this.replica.latestBatchStateVersion());
    const { pending } = session;
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
          session.feedRestarted();
          await reader.close();
          reader = await this.follow(null);
          continue;
        }
        // Idle with nothing pending: both stores answered, so the next failure starts a fresh backoff.
        if (changes.length === 0 && pending.isEmpty) {
          this.backoff.reset();
          await this.storeQuietPosition(session, reader);
        }
        // One change at a time, so that a flush never grows past flushMaxPrices by more than one batch.
        for (const change of changes) {
          const { prices, large } = await this.pricesToApply(change);
          if (large) {
            await this.copyLargeBatch(session, change, prices);
            continue;
          }
          pending.add(change, prices);
          if (pending.priceCount >= this.options.flushMaxPrices) await this.flush(session);
        }
        const due =
          !pending.isEmpty &&
          (changes.length === 0 || this.stopping || Date.now() - pending.firstAddedAt >= this.options.flushIntervalMs);
        if (due) await this.flush(session);
        else await session.renewLeaseIfDue();
      }
    } finally {
      await reader.close();
    }
  }

  /**
   * While the feed is quiet, stores how far it has read past the last change (a MongoDB post-batch
   * resume token), at most every {@link QUIET_POSITION_INTERVAL_MS}: else the checkpoint stays the last
   * change's token, which price inserts roll out of the oplog during a quiet spell, and the next start
   * re-snapshots. Called only with everything read applied, so the position skips nothing.
   */
  private async storeQuietPosition(session: ReplicationSession, reader: ChangeFeedReader): Promise<void> {
    if (Date.now() - this.quietPositionStoredAt < QUIET_POSITION_INTERVAL_MS) return;
    const position = reader.quietPosition?.();
    if (position === undefined) return;
    await session.renewLease();
    const last = await this.replica.replicationCheckpoint();
    await this.replica.saveCheckpoint({
      position,
      appliedAt: last?.appliedAt ?? new Date(),
      version: session.nextCheckpointVersion(),
    });
    this.quietPositionStoredAt = Date.now();
  }

  /** Applies what the session has pending and saves the checkpoint after it. */
  private async flush(session: ReplicationSession): Promise<void> {
    await this.observeWrite('flush', () => this.applyPending(session));
  }

  private async applyPending(session: ReplicationSession): Promise<ReplicaWriteSummary> {
    await session.renewLease();
    const applied = await session.pending.applyTo(this.replica, this.operational.batches, {
      checkpointVersion: session.nextCheckpointVersion(),
      nextStateVersion: session.nextStateVersion,
      acknowledge: (changes, at) => session.membership.acknowledge(changes, at),
    });
    this.backoff.reset();
    this.events.pricesReplicated(applied.prices);
    this.appliedSignal.emit('applied');
    this.log.debug(applied, 'replicated changes');
    return applied;
  }

  /**
   * A change's prices for a flush; for a batch larger than a flush, `large` and only its first slice.
   * One more price than a flush takes tells a large batch apart, without reading the batch itself (its
   * record carries the item errors, perhaps zipped). The rest of what was read is dropped: held through
   * the batch's copy (200,001 prices, ~35 MB live), it let V8 grow its heap by as much again several
   * times over (the upload bench).
   */
  private async pricesToApply(change: BatchChange): Promise<{ prices: readonly PriceRecord[]; large: boolean }> {
    if (change.kind !== 'committed') return { prices: [], large: false };
    const prices = await this.operational.batches.pricesOf(change.batchId, null, this.options.flushMaxPrices + 1);
    return prices.length > this.options.flushMaxPrices
      ? { prices: prices.slice(0, this.options.batchSlicePrices), large: true }
      : { prices, large: false };
  }

  /**
   * A batch larger than a flush (`firstPrices`: its first slice): what is pending goes first, then the
   * batch in slices, then its checkpoint.
   */
  private async copyLargeBatch(
    session: ReplicationSession,
    change: BatchChange,
    firstPrices: readonly PriceRecord[],
  ): Promise<void> {
    if (!session.pending.isEmpty) await this.flush(session);
    await this.observeWrite('large-batch', () => this.copyLargeBatchAlone(session, change, firstPrices));
  }

  private async copyLargeBatchAlone(
    session: ReplicationSession,
    change: BatchChange,
    firstPrices: readonly PriceRecord[],
  ): Promise<ReplicaWriteSummary> {
    await session.renewLease();
    const { batchId } = change;
    const write = await ReplicaWrite.plan(this.replica, new Map([[batchId, change.kind]]), () => firstPrices);
    const copied = write.copies(batchId)
      ? await write.apply(session.nextStateVersion, ([read]) =>
          this.copyInSlices(batchId, read?.prices ?? [], write.copiedThrough(batchId), () => session.renewLeaseIfDue()),
        )
      : 0;
    const appliedAt = new Date();
    await this.operational.batches.markReplicated([change], appliedAt);
    await session.membership.acknowledge([change], appliedAt);
    await this.replica.saveCheckpoint({
      position: change.position,
      appliedAt,
      version: session.nextCheckpointVersion(),
    });
    this.appliedSignal.emit('applied');
    this.log.info({ batchId, prices: copied }, 'replicated a large batch in slices');
    return { changes: 1, prices: copied };
  }

  /**
   * Copies one batch a slice at a time after item `through` (-1: from the start), in item order: first
   * the whole slices of `read` (prices after `through` already read), then what follows; answers how
   * many prices it copied.
   */
  private async copyInSlices(
    batchId: string,
    read: readonly PriceRecord[],
    through: number,
    keepLease: () => Promise<void>,
  ): Promise<number> {
    const size = this.options.batchSlicePrices;
    let after = through < 0 ? null : through;
    let copied = 0;
    const copy = async (slice: readonly PriceRecord[]): Promise<void> => {
      await this.replica.applyChanges({ batches: [{ batchId, prices: slice }], retractedBatchIds: [] });
      this.events.pricesReplicated(slice.length);
      copied += slice.length;
      after = slice[slice.length - 1]!.itemIndex;
      await keepLease();
      // Requests served by this process run between slices.
      await yieldToEventLoop();
    };
    for (let start = 0; start + size <= read.length; start += size) await copy(read.slice(start, start + size));
    for (;;) {
      const slice = await this.operational.batches.pricesOf(batchId, after, size);
      if (slice.length > 0) await copy(slice);
      if (slice.length < size) return copied;
    }
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

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
  }
}
