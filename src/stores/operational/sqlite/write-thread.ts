import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { NewBatch } from '../../../domain/batch';
import { startWorkerThread } from '../../../threads/worker-thread';
import type { RecordBatchOutcome } from '../ports';
import type { SqliteBatchThread } from './batches';

/** What the thread is asked: record a batch, or read a page of a batch's prices as JSON. */
export type ThreadJob =
  | { readonly kind: 'record'; readonly batch: NewBatch }
  | {
      readonly kind: 'pricesJson';
      readonly batchId: string;
      readonly afterItemIndex: number | null;
      readonly limit: number;
    };

export type ThreadRequest = { readonly id: number } & ThreadJob;

/** The thread's answer: a value, or the error (a class does not cross threads: its message and code do). */
export type ThreadAnswer =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string } };

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The outcome with its dates made in this realm: a Date cloned from a worker thread is the main
 * realm's, and code that runs in another context of the process (a vm context, as jest's) would not
 * take it for a Date of its own (`instanceof Date` fails, and GraphQL's date scalars check that).
 */
function withOwnDates<T>(value: T): T {
  if (Object.prototype.toString.call(value) === '[object Date]') {
    return new Date((value as unknown as Date).getTime()) as unknown as T;
  }
  if (Array.isArray(value)) return Array.from(value as unknown[], withOwnDates) as unknown as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, withOwnDates(field)])) as T;
}

/** The thread's error as an Error again, with its SQLite code, so that `isSqliteUnavailable` reads it. */
function revived({ message, code }: { message: string; code?: string }): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

/**
 * The store's write thread (write-thread-main.ts): records whole batches, and reads batches' prices
 * for the replicator, on a connection of its own, so that the event loop of the process goes on
 * serving while SQLite inserts or gathers tens of thousands of rows. Started with the store. A thread
 * that dies fails the requests it held (a batch it held was not acknowledged: its transaction rolled
 * back) and the next request starts a new one.
 */
export class SqliteWriteThread implements SqliteBatchThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  /** The answers still awaited, for close. */
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 0;

  /** Starts the thread at once: starting it (loading the driver, opening the file) takes longer than a small batch. */
  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs?: number,
  ) {
    this.start();
  }

  async record(batch: NewBatch): Promise<RecordBatchOutcome> {
    return withOwnDates((await this.ask({ kind: 'record', batch })) as RecordBatchOutcome);
  }

  async pricesJson(batchId: string, afterItemIndex: number | null, limit: number): Promise<string> {
    return (await this.ask({ kind: 'pricesJson', batchId, afterItemIndex, limit })) as string;
  }

  /** Ends the thread once the requests in its hands are answered. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await Promise.all(this.inFlight);
    this.worker = undefined;
    await worker.terminate();
  }

  private ask(job: ThreadJob): Promise<unknown> {
    const worker = this.worker ?? this.start();
    const id = (this.nextId += 1);
    const answer = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Busy, the thread keeps the process alive until it answers; idle, it does not (see start).
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...job } satisfies ThreadRequest);
    });
    const settled: Promise<void> = answer.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return answer;
  }

  private start(): Worker {
    const worker = startWorkerThread(path.join(__dirname, 'write-thread-main'), {
      workerData: { file: this.file, busyTimeoutMs: this.busyTimeoutMs },
    });
    worker.on('message', (answer: ThreadAnswer) => {
      const pending = this.pending.get(answer.id);
      if (!pending) return;
      this.pending.delete(answer.id);
      if (this.pending.size === 0) worker.unref();
      if ('value' in answer) pending.resolve(answer.value);
      else pending.reject(revived(answer.error));
    });
    const failAll = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(error);
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`The SQLite write thread exited (code ${code})`)));
    // An idle thread keeps no process alive, one with requests in its hands does (ask refs it). After
    // the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
