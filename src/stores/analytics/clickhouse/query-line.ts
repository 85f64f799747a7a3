import type { AnalyticsSaturation } from '../ports';

interface Waiter {
  readonly since: number;
  readonly start: () => void;
}

/**
 * The line budgeted reads wait in for the analytics engine: at most `concurrency` run at once, the rest
 * wait first come, first served. A read whose signal fires while it waits leaves the line at once (it
 * never reaches the engine); one that fires while it runs is answered at once with the signal's reason,
 * but keeps its place until `work` settles, i.e. until the engine has really stopped it, so that the
 * next read's wait is the engine's true wait.
 */
export class QueryLine {
  private running = 0;
  private readonly waiting: Waiter[] = [];
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
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.lastGaveUpAt = Date.now();
          signal.removeEventListener('abort', onAbort);
        }
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.startNext();
    });
  }

  /** Undefined while reads get their turn in time; else how many wait, how long, and when one last gave up. */
  saturation(now = Date.now()): AnalyticsSaturation | undefined {
    const oldest = this.waiting[0];
    const oldestWaitMs = oldest ? now - oldest.since : 0;
    const lastGaveUpMsAgo = this.lastGaveUpAt === undefined ? undefined : now - this.lastGaveUpAt;
    const gaveUpRecently = lastGaveUpMsAgo !== undefined && lastGaveUpMsAgo < this.saturationWaitMs;
    if (oldestWaitMs <= this.saturationWaitMs && !gaveUpRecently) return undefined;
    return { waiting: this.waiting.length, oldestWaitMs, lastGaveUpMsAgo };
  }

  private startNext(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) this.waiting.shift()?.start();
  }
}
