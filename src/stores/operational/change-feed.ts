/**
 * A place in the change feed, opaque to everyone but the adapter that made it (a change-log sequence
 * number for SQLite, a resume token or a start time for MongoDB change streams). The replicator stores
 * the position of the last change it applied and follows the feed from there after a restart.
 */
export type FeedPosition = string;

export type BatchChangeKind = 'committed' | 'retracted';

/** A change the replicator has applied to analytics, as the batch store is told of it. */
export interface ReplicatedChange {
  readonly batchId: string;
  readonly kind: BatchChangeKind;
}

/**
 * A batch became visible (`committed`: its prices should count, on its first commit or once it is
 * restored after a retraction) or stopped counting (`retracted`).
 */
export interface BatchChange {
  readonly kind: BatchChangeKind;
  readonly batchId: string;
  /** Following the feed from this position yields the changes after this one. */
  readonly position: FeedPosition;
  readonly at: Date;
}

export interface ChangeFeedReader {
  /**
   * The next changes in feed order, at most `max`; waits up to `waitMs` for at least one and answers
   * an empty list when none came. Throws {@link FeedRestartRequired} when the feed cannot continue from
   * where it was (history lost, stream invalidated): the follower must start over from a snapshot.
   */
  next(max: number, waitMs: number): Promise<BatchChange[]>;
  /**
   * A position after every change answered so far and past the events in between that were no change
   * (a MongoDB change stream's post-batch resume token), when there is one further than the last
   * change's. A follower that has applied every change it was answered may store it, so that a quiet
   * feed keeps its place in the history the store retains. Absent where history never runs out (the
   * SQLite change log).
   */
  quietPosition?(): FeedPosition | undefined;
  close(): Promise<void>;
}

/** What has not been applied yet behind a position. */
export interface FeedBacklog {
  readonly changes: number;
  readonly oldestAt: Date | null;
}

export interface ChangeFeed {
  /**
   * Follows the feed after `from`; `null` starts with a snapshot of every committed and retracted batch
   * and continues with what happens after it, so nothing falls between the two.
   */
  follow(from: FeedPosition | null): Promise<ChangeFeedReader>;
  backlog(after: FeedPosition | null): Promise<FeedBacklog>;
}

export class FeedRestartRequired extends Error {
  constructor(reason: string) {
    super(`The change feed cannot resume: ${reason}`);
    this.name = 'FeedRestartRequired';
  }
}
