import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BenchGraphqlClient } from './graphql-client';

/**
 * Concurrent GraphQL clients on a worker thread of their own, so that the load they generate does not
 * take the event loop of the service it measures (which runs on the main thread of the bench). Each
 * client has one keep-alive connection and sends one request at a time.
 */

export interface LoadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly clients: number;
  /** Request bodies. `cycle`: client c sends bodies[(c + n) % length] as its n-th request; `once`: every body is sent once, in order, by whichever client is free. */
  readonly bodies: readonly string[];
  readonly order: 'cycle' | 'once';
  /** Stops sending after this long (`cycle`), or when the bodies run out (`once`), whichever comes first. */
  readonly durationMs: number;
}

export interface LoadResult {
  /** Latency of every request answered, in ms. */
  readonly latenciesMs: number[];
  readonly elapsedMs: number;
  /** Answers that were not HTTP 200 without GraphQL errors (the first one's text is kept). */
  readonly failures: number;
  readonly firstFailure: string | undefined;
}

/** Runs the load on a worker thread and resolves with what it measured. */
export function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: options });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the load worker exited with code ${code}`));
    });
  });
}

async function generateLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const client = async (index: number): Promise<void> => {
    const connection = new BenchGraphqlClient(options.url, options.apiKey);
    try {
      for (let n = 0; performance.now() < deadline; n++) {
        const body =
          options.order === 'cycle' ? options.bodies[(index + n) % options.bodies.length] : options.bodies[next++];
        if (body === undefined) return;
        const sent = performance.now();
        const { status, json } = await connection.post(body);
        latenciesMs.push(performance.now() - sent);
        if (status !== 200 || (json as { errors?: unknown }).errors !== undefined) {
          failures++;
          firstFailure ??= `HTTP ${status} ${JSON.stringify(json).slice(0, 500)}`;
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, index) => client(index)));
  return { latenciesMs, elapsedMs: performance.now() - started, failures, firstFailure };
}

if (!isMainThread) {
  generateLoad(workerData as LoadOptions).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}
