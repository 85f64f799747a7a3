import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * Where answers are kept, as JSON under their full key (the data version is part of it, so nothing in
 * here is ever invalidated: a new version asks for new keys and the old ones age out).
 */
export interface AnswerStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, answer: string): Promise<void>;
}

/** This process's answers, least recently used first out once they would take more than `maxBytes`. */
export class MemoryAnswerStore implements AnswerStore {
  private readonly answers: LRUCache<string, string>;

  constructor(maxBytes: number) {
    // JavaScript strings hold two bytes a character; an answer larger than the whole cache is not kept.
    this.answers = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (answer, key) => 2 * (answer.length + key.length),
    });
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.answers.get(key));
  }

  set(key: string, answer: string): Promise<void> {
    this.answers.set(key, answer);
    return Promise.resolve();
  }
}

/** What the shared store reports (metrics): a Redis command that failed, so the answer was computed here. */
export interface SharedStoreEvents {
  sharedStoreFailed(operation: 'get' | 'set'): void;
}

/**
 * Answers shared through Redis by the API replicas of one analytics store. Redis is an optimisation:
 * a command that fails or times out counts as a miss (get) or is dropped (set), never as an error of
 * the request. Keys expire after `ttlSeconds`: an old version's keys are never asked for again.
 */
export class RedisAnswerStore implements AnswerStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly events: SharedStoreEvents,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(key)) ?? undefined;
    } catch {
      this.events.sharedStoreFailed('get');
      return undefined;
    }
  }

  async set(key: string, answer: string): Promise<void> {
    try {
      await this.redis.set(key, answer, 'EX', this.ttlSeconds);
    } catch {
      this.events.sharedStoreFailed('set');
    }
  }
}

/** This process's memory in front of the shared store: a hit here costs no round trip. */
export class TieredAnswerStore implements AnswerStore {
  constructor(
    private readonly near: AnswerStore,
    private readonly shared: AnswerStore,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const near = await this.near.get(key);
    if (near !== undefined) return near;
    const shared = await this.shared.get(key);
    if (shared !== undefined) await this.near.set(key, shared);
    return shared;
  }

  async set(key: string, answer: string): Promise<void> {
    await Promise.all([this.near.set(key, answer), this.shared.set(key, answer)]);
  }
}
