import { RatelineError } from '../domain/errors';
import { RateLimitedError, type LimitEvents } from './rate-limited';

export interface WriteTurnsOptions {
  /** Writes in work at once in this process (WRITE_CONCURRENCY). */
  readonly concurrent: number;
  /** Writes of one caller waiting for a turn (WRITE_QUEUE_PER_CALLER); one more is refused at once. */
  readonly queuedPerCaller: number;
  /** How long a write may wait for its turn (WRITE_QUEUE_TIMEOUT_MS) before it is refused. */
  readonly maxWaitMs: number;
}

/** What the turns report (the composition root turns these into metrics). */
export interface WriteTurnEvents extends Pick<LimitEvents, 'refused'> {
  /** A write got its turn after waiting this long (0 when one was free). */
  started(waitedMs: number): void;
}

/** Ends a turn; calling it again does nothing. */
export type EndTurn = () => void;

/** A caller's waiting write. */
interface Waiting {
  readonly since: number;
  readonly grant: (end: EndTurn) => void;
}

/** Seconds a caller refused for a full line is asked to wait: about one write's time. */
const FULL_LINE_RETRY_AFTER_SECONDS = 1;
/** Seconds a write refused for waiting too long is asked to wait, as for a store that does not answer. */
const SATURATED_RETRY_AFTER_SECONDS = 5;

/**
 * Turns on the write path of this process: at most `concurrent` writes (a batch, a chunk, a part of a
 * rate sheet) are in work at once; the others wait in one line per caller, and the callers take turns,
 * one write each, in the order they joined (round robin). A write therefore waits behind the writes in
 * work, at most one write of each other caller, and its own caller's earlier writes: a supplier that
 * sends many large batches at once slows itself, not the others. A caller whose line is full is
 * refused at once (429 RATE_LIMITED); a write that waited `maxWaitMs` is refused (503
 * SERVICE_SATURATED): both with `Retry-After`, never a request that hangs.
 */
export class WriteTurns {
  private inWork = 0;
  /** Callers with writes waiting, in the order of their next turn (a Map keeps insertion order). */
  private readonly lines = new Map<string, Waiting[]>();

  constructor(
    private readonly options: WriteTurnsOptions,
    private readonly events: WriteTurnEvents,
  ) {}

  /** Writes waiting for a turn, of all callers. */
  get waiting(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.length;
    return count;
  }

  /**
   * Waits for a turn of `caller` and answers how to end it (once the write is done, whatever its
   * outcome). `signal` (the client went away) takes the write out of the line with the signal's reason.
   */
  take(caller: string, signal?: AbortSignal): Promise<EndTurn> {
    if (this.inWork < this.options.concurrent && this.lines.size === 0) {
      this.events.started(0);
      return Promise.resolve(this.begin());
    }
    const line = this.lines.get(caller) ?? [];
    if (line.length >= this.options.queuedPerCaller) {
      this.events.refused('WRITE_QUEUE_PER_CALLER');
      return Promise.reject(
        new RateLimitedError(
          `This caller already has ${line.length} writes waiting for a turn, at most ` +
            `${this.options.queuedPerCaller} may wait (WRITE_QUEUE_PER_CALLER); send the next once one is answered`,
          'WRITE_QUEUE_PER_CALLER',
          FULL_LINE_RETRY_AFTER_SECONDS,
        ),
      );
    }
    return new Promise<EndTurn>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const leave = (error: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.remove(caller, waiting);
        reject(error);
      };
      const onAbort = (): void => {
        leave(signal?.reason instanceof Error ? signal.reason : new Error('The write was abandoned'));
      };
      const waiting: Waiting = {
        since: Date.now(),
        grant: (end) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(end);
        },
      };
      timer = setTimeout(() => {
        this.events.refused('WRITE_QUEUE_TIMEOUT_MS');
        leave(saturated(this.options.maxWaitMs));
      }, this.options.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      line.push(waiting);
      this.lines.set(caller, line);
    });
  }

  private begin(): EndTurn {
    this.inWork += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inWork -= 1;
      this.next();
    };
  }

  /** Hands free turns to the callers in line, one write each in turn. */
  private next(): void {
    while (this.inWork < this.options.concurrent) {
      const first = this.lines.entries().next();
      if (first.done) return;
      const [caller, line] = first.value;
      const waiting = line.shift() as Waiting;
      // To the back of the round: its next write comes after one of every other caller.
      this.lines.delete(caller);
      if (line.length > 0) this.lines.set(caller, line);
      this.events.started(Date.now() - waiting.since);
      waiting.grant(this.begin());
    }
  }

  private remove(caller: string, waiting: Waiting): void {
    const line = this.lines.get(caller);
    if (!line) return;
    const at = line.indexOf(waiting);
    if (at >= 0) line.splice(at, 1);
    if (line.length === 0) this.lines.delete(caller);
  }
}

/** The write path is busier than a write may wait for. */
function saturated(maxWaitMs: number): RatelineError {
  return new RatelineError(
    'SERVICE_SATURATED',
    `The service is writing at capacity: this write waited ${maxWaitMs} ms (WRITE_QUEUE_TIMEOUT_MS) without a ` +
      'turn and was not started; retry after Retry-After seconds',
    undefined,
    undefined,
    { retryAfterSeconds: SATURATED_RETRY_AFTER_SECONDS },
  );
}
