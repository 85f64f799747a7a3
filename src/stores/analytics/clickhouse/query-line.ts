import type { AnalyticsSaturation } from '../ports';

interface Waiter {
  readonly since: number;
  readonly start: () => void;
}

/** The reads of one request (one signal) waiting, oldest first. */
interface Group {
  readonly signal: AbortSignal;
  readonly waiters: Waiter[];
}

/**
 * The line budgeted reads wait in for the analytics engine: at most `concurrency` run at once. Waiting
 * reads are served by request (reads sharing a signal), in turns: one read of each waiting request,
 * then the next round, first come, first served within a request. So a request with 500 aliases does
 * not make the small query of another client wait behind all of them: that one is next but one.
 *
 * A read whose signal fires while it waits leaves the line at once (it never reaches the engine); one
 * that fires while it runs is answered at once with the signal's reason, but keeps its place until
 * `work` settles, i.e. until the engine has really stopped it, so that the next read's wait is the
 * engine's true wait.
 */
export class QueryLine {
  private running = 0;
  /** Requests with waiting reads, in the order their next turn comes. */
  private readonly groups: Group[] = [];
  private lastGaveUpAt: number | undefined;

  constructor(
    private readonly concurrency: number,
    /** A read waiting longer than this, or one that gave up waiting less than this long ago, saturates the line. */
    private readonly saturationWaitMs: number,
  ) {}

  run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      let started = false;
      const waiter: Waiter = {
        since: Date.now(),
        start: () => {
          started = true;
          this.running += 1;
          work()
            .then(resolve, reject)
            .finally(() => {
              signal.removeEventListener('abort', onAbort);
              this.running -= 1;
              this.startNext();
            });
        },
      };
      const onAbort = (): void => {
        if (!started) {
          this.remove(signal, waiter);
          this.lastGaveUpAt = Date.now();
        }
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.add(signal, waiter);
      this.startNext();
    });
  }

  /** Undefined while reads get their turn in time; else how many wait, how long, and when one last gave up. */
  saturation(now = Date.now()): AnalyticsSaturation | undefined {
    const waiting = this.groups.reduce((sum, g) => sum + g.waiters.length, 0);
    const oldestSince = Math.min(...this.groups.map((g) => g.waiters[0]?.since ?? now));
    const oldestWaitMs = waiting === 0 ? 0 : now - oldestSince;
    const lastGaveUpMsAgo = this.lastGaveUpAt === undefined ? undefined : now - this.lastGaveUpAt;
    const gaveUpRecently = lastGaveUpMsAgo !== undefined && lastGaveUpMsAgo < this.saturationWaitMs;
    if (oldestWaitMs <= this.saturationWaitMs && !gaveUpRecently) return undefined;
    return { waiting, oldestWaitMs, lastGaveUpMsAgo };
  }

  private add(signal: AbortSignal, waiter: Waiter): void {
    const group = this.groups.find((g) => g.signal === signal);
    if (group) group.waiters.push(waiter);
    else this.groups.push({ signal, waiters: [waiter] });
  }

  private remove(signal: AbortSignal, waiter: Waiter): void {
    const index = this.groups.findIndex((g) => g.signal === signal);
    const group = this.groups[index];
    if (!group) return;
    group.waiters.splice(group.waiters.indexOf(waiter), 1);
    if (group.waiters.length === 0) this.groups.splice(index, 1);
  }

  /** The next read of the request whose turn it is; that request goes to the back if it has more. */
  private startNext(): void {
    while (this.running < this.concurrency) {
      const group = this.groups.shift();
      if (!group) return;
      const next = group.waiters.shift();
      if (group.waiters.length > 0) this.groups.push(group);
      next?.start();
    }
  }
}
