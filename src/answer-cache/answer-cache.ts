import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { Budget } from '../domain/budget';
import type { AnswerStore } from './answer-store';
import type { DataVersionSource } from './data-version';
import { noteDataVersion } from './provenance';

/** How a question was answered, for `rateline_answer_cache_requests_total`. */
export type AnswerOutcome = 'hit' | 'miss' | 'coalesced';

export interface AnswerCacheEvents {
  answered(outcome: AnswerOutcome): void;
}

/** A computation in flight that identical questions wait for instead of computing again. */
interface Flight {
  readonly answer: Promise<string>;
  /** The budget it runs within: when that one is spent, the others ask again. */
  readonly owner: Budget;
}

/**
 * Answers analytical questions once per data version. The key is the question's name, its normalised
 * arguments and the replica's data version read before anything else; an answer is only ever found
 * under the version that was current when its computation began, so once a change is applied (and
 * the version moved on) no answer computed without it is served again. See docs/architecture.md,
 * "Hot reads".
 */
export class AnswerCache {
  private readonly inFlight = new Map<string, Flight>();

  constructor(
    private readonly store: AnswerStore,
    private readonly version: DataVersionSource,
    /** Names the key format (the replica is named by the data version), so that other keys in one Redis never collide. */
    private readonly keyPrefix: string,
    private readonly events: AnswerCacheEvents,
  ) {}

  /**
   * `question` names what `compute` answers and `args` everything its answer depends on (objects are
   * keyed with sorted properties, so callers normalise only what is a set: port lists). Answers must
   * survive JSON: what a hit returns is parsed from it.
   */
  async answer<T>(
    question: string,
    args: unknown,
    budget: Budget,
    compute: (budget: Budget) => Promise<T>,
  ): Promise<T> {
    const version = await this.version.current();
    noteDataVersion(budget, version);
    const key = `${this.keyPrefix}${version.token}:${question}:${digest(args)}`;
    const kept = await this.store.get(key);
    if (kept !== undefined) {
      this.events.answered('hit');
      return JSON.parse(kept) as T;
    }
    const flight = this.inFlight.get(key);
    if (flight) {
      this.events.answered('coalesced');
      try {
        return JSON.parse(await untilSpent(flight.answer, budget)) as T;
      } catch (error) {
        // Its owner's client left or its budget ran out: that is not this request's answer.
        if (flight.owner.signal.aborted && !budget.signal.aborted) return this.answer(question, args, budget, compute);
        throw error;
      }
    }
    this.events.answered('miss');
    const computing = compute(budget);
    const own: Flight = { answer: computing.then((value) => JSON.stringify(value)), owner: budget };
    this.inFlight.set(key, own);
    own.answer
      .then(
        (answer) => this.store.set(key, answer),
        () => undefined,
      )
      .finally(() => {
        if (this.inFlight.get(key) === own) this.inFlight.delete(key);
      })
      .catch(() => undefined);
    return computing;
  }
}

const digest = (args: unknown): string =>
  createHash('sha256')
    .update(stringify(args) ?? '')
    .digest('base64url');

/** `work`, or the budget's reason as soon as it is spent (the work goes on for whoever else waits). */
function untilSpent<T>(work: Promise<T>, budget: Budget): Promise<T> {
  const { signal } = budget;
  let stop = (): void => undefined;
  const spent = new Promise<never>((_resolve, reject) => {
    stop = () => reject(signal.reason as Error);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  return Promise.race([work, spent]).finally(() => signal.removeEventListener('abort', stop));
}
