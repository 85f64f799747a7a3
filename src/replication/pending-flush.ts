import type { PriceRecord } from '../domain/batch';
import type { AnalyticsReplica, BatchPrices, ReplicaBatchRecord } from '../stores/analytics';
import type { BatchChange, BatchChangeKind, BatchStore, FeedPosition } from '../stores/operational';

/** How a flush is applied. */
export interface FlushOptions {
  /** The version of the checkpoint the flush saves. */
  readonly checkpointVersion: number;
  /** A version for the batch states the flush records, higher than every one before (called twice). */
  readonly nextStateVersion: () => number;
  /** Tells the operational store's replica registry what the replica now holds (before the checkpoint). */
  readonly acknowledge: (changes: readonly BatchChange[], at: Date) => Promise<void>;
}

export interface FlushSummary {
  readonly position: FeedPosition;
  readonly changes: number;
  readonly prices: number;
}

/** Changes read from the feed and not yet applied, with the prices of the batches they commit. */
export class PendingFlush {
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

  /**
   * Applies the changes to the replica, skipping what it already holds (see {@link ReplicaWrite}),
   * marks their batches replicated and acknowledges them, then saves the checkpoint; a crash between
   * any two steps replays from an earlier checkpoint at worst, and the replica's batch states absorb
   * the replay.
   */
  async applyTo(replica: AnalyticsReplica, batchStore: BatchStore, options: FlushOptions): Promise<FlushSummary> {
    const last = this.changes.at(-1);
    if (!last) throw new Error('Nothing to apply');
    // Only a batch's last change in the flush matters: it says whether its prices count now.
    const latest = new Map<string, BatchChangeKind>();
    for (const change of this.changes) latest.set(change.batchId, change.kind);
    const write = await ReplicaWrite.plan(replica, latest, (batchId) => this.prices.get(batchId) ?? []);
    const prices = await write.apply(options.nextStateVersion, async (copies) => {
      if (copies.length > 0) await replica.applyChanges({ batches: copies, retractedBatchIds: [] });
      return copies.reduce((sum, b) => sum + b.prices.length, 0);
    });
    const appliedAt = new Date();
    await batchStore.markReplicated(this.changes, appliedAt);
    await options.acknowledge(this.changes, appliedAt);
    await replica.saveCheckpoint({ position: last.position, appliedAt, version: options.checkpointVersion });
    const summary = { position: last.position, changes: this.changes.length, prices };
    this.discard();
    return summary;
  }
}

/**
 * What one step writes to the replica, planned from the state the replica records for each batch:
 * a batch `counted` is not copied again, one `retracted` not deleted again, one `copying` (a write cut
 * short) is completed after the last item the replica holds. Each write is bracketed by records: the
 * intent (`copying`, `retracting`) before it, the outcome (`counted`, `retracted`) after it, so that
 * whatever a crash interrupts is recorded as in doubt, never as done.
 */
export class ReplicaWrite {
  private constructor(
    private readonly replica: AnalyticsReplica,
    private readonly intents: readonly ReplicaBatchRecord[],
    private readonly deletes: readonly string[],
    private readonly copyList: readonly BatchPrices[],
    private readonly outcomes: readonly ReplicaBatchRecord[],
    private readonly through: ReadonlyMap<string, number>,
  ) {}

  /**
   * `latest`: the kind of each batch's latest change; `pricesOf`: the prices read for a committed one
   * (in item order, all of them unless the caller copies the rest itself).
   */
  static async plan(
    replica: AnalyticsReplica,
    latest: ReadonlyMap<string, BatchChangeKind>,
    pricesOf: (batchId: string) => readonly PriceRecord[],
  ): Promise<ReplicaWrite> {
    const states = await replica.batchStates([...latest.keys()]);
    const inDoubt = [...latest].filter(([id, kind]) => kind === 'committed' && states.get(id) === 'copying');
    const through = await replica.replicatedThrough(inDoubt.map(([id]) => id));
    const intents: ReplicaBatchRecord[] = [];
    const deletes: string[] = [];
    const copies: BatchPrices[] = [];
    const outcomes: ReplicaBatchRecord[] = [];
    for (const [batchId, kind] of latest) {
      const state = states.get(batchId);
      if (kind === 'committed') {
        if (state === 'counted') continue;
        // A deletion cut short is finished before the batch is copied again (it was restored since).
        if (state === 'retracting') deletes.push(batchId);
        const there = through.get(batchId) ?? -1;
        const prices = pricesOf(batchId).filter((p) => p.itemIndex > there);
        // Nothing of it here and nothing to copy (retracted since, or empty): recording it `counted`
        // would only make its retraction delete for nothing.
        if (prices.length === 0 && (state === undefined || state === 'retracted')) continue;
        intents.push({ batchId, state: 'copying' });
        if (prices.length > 0) copies.push({ batchId, prices });
        outcomes.push({ batchId, state: 'counted' });
      } else {
        if (state === 'retracted') continue;
        // Without a record none of its prices is here: there is nothing to delete.
        if (state !== undefined) {
          intents.push({ batchId, state: 'retracting' });
          deletes.push(batchId);
        }
        outcomes.push({ batchId, state: 'retracted' });
      }
    }
    return new ReplicaWrite(replica, intents, deletes, copies, outcomes, through);
  }

  /** Whether the write copies this batch (false when the replica counts it already, or it is retracted). */
  copies(batchId: string): boolean {
    return this.outcomes.some((o) => o.batchId === batchId && o.state === 'counted');
  }

  /** The highest item index of the batch the replica holds already (-1 for none). */
  copiedThrough(batchId: string): number {
    return this.through.get(batchId) ?? -1;
  }

  /**
   * Records the intents, deletes, has `insert` append the prices (a flush: all in one INSERT), records
   * the outcomes; answers how many prices were inserted.
   */
  async apply(
    nextStateVersion: () => number,
    insert: (copies: readonly BatchPrices[]) => Promise<number>,
  ): Promise<number> {
    if (this.intents.length > 0) await this.replica.recordBatchStates(this.intents, nextStateVersion());
    if (this.deletes.length > 0) await this.replica.applyChanges({ batches: [], retractedBatchIds: this.deletes });
    const prices = await insert(this.copyList);
    if (this.outcomes.length > 0) await this.replica.recordBatchStates(this.outcomes, nextStateVersion());
    return prices;
  }
}
