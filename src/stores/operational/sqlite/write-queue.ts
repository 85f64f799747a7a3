const ignore = (): void => undefined;

/**
 * A process's writes to the store's file, one at a time in the order they were asked: the main
 * connection's small writes and the write thread's batches alike. Without the queue, a write on the
 * main connection that meets the thread's lock waits in SQLite's busy handler, which blocks the event
 * loop and polls (every 100 ms once it has waited a while) instead of queueing: with batches queued
 * on the thread, the lock is taken again between two polls, and the write failed with "database is
 * locked" after the busy timeout (seen: the batch worker's claim, the replicator's lease). Through it,
 * only another process's write can make a connection of this one wait for the lock.
 */
export class SqliteWriteQueue {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `write` once every write asked before it has settled; its value or failure is the caller's. */
  run<T>(write: () => T | Promise<T>): Promise<T> {
    const turn = this.last.then(write);
    this.last = turn.then(ignore, ignore);
    return turn;
  }
}
