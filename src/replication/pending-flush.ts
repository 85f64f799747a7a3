import type { PriceRecord } from '../domain/batch';
import type { AnalyticsReplica } from '../stores/analytics';
import type { BatchChange, BatchStore, FeedPosition } from '../stores/operational';

/** How a flush is applied. */
export interface FlushOptions {
  /** The version of the checkpoint the flush saves. */
  readonly checkpointVersion: number;
  /**
   * Ask the replica first which of the committed batches it already holds, and skip those (the first
   * flush after a start, a failure or a feed restart, whose changes may repeat an earlier run's).
   */
  readonly skipBatchesAlreadyThere: boolean;
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

  /** Whether a retraction of this batch waits in this flush (a flush inserts before it deletes). */
  retracts(batchId: string): boolean {
    return this.changes.some((c) => c.kind === 'retracted' && c.batchId === batchId);
  }

  discard(): void {
    this.changes = [];
    this.prices = new Map();
    this.priceCount = 0;
  }

  /**
   * Applies the changes to the replica, marks their batches replicated, then saves the checkpoint; a
   * crash between any two steps replays from an earlier checkpoint at worst.
   */
  async applyTo(replica: AnalyticsReplica, batchStore: BatchStore, options: FlushOptions): Promise<FlushSummary> {
    const last = this.changes.at(-1);
    if (!last) throw new Error('Nothing to apply');
    const committedIds = [...this.prices.keys()];
    const alreadyThere = options.skipBatchesAlreadyThere
      ? await replica.replicatedThrough(committedIds)
      : new Map<string, number>();
    const batches = committedIds
      .filter((id) => !alreadyThere.has(id))
      .map((batchId) => ({ batchId, prices: this.prices.get(batchId) ?? [] }));
    const retractedBatchIds = this.changes.filter((c) => c.kind === 'retracted').map((c) => c.batchId);
    await replica.applyChanges({ batches, retractedBatchIds });
    const appliedAt = new Date();
    await batchStore.markReplicated(this.changes, appliedAt);
    await replica.saveCheckpoint({ position: last.position, appliedAt, version: options.checkpointVersion });
    const prices = batches.reduce((sum, b) => sum + b.prices.length, 0);
    const summary = { position: last.position, changes: this.changes.length, prices };
    this.discard();
    return summary;
  }
}
