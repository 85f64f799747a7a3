import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataVersion } from './data-version';

/** The data versions the answers of one request were computed from (or found under). */
class RequestProvenance {
  private oldest: DataVersion | undefined;

  note(version: DataVersion): void {
    const asOf = version.asOf?.getTime() ?? 0;
    if (this.oldest === undefined || asOf < (this.oldest.asOf?.getTime() ?? 0)) this.oldest = version;
  }

  /** The oldest `asOf` among them: the whole answer counts every change up to then. */
  dataAsOf(): Date | undefined {
    return this.oldest?.asOf;
  }
}

const requests = new AsyncLocalStorage<RequestProvenance>();

/**
 * Runs `handle` (an HTTP request's handling) with a record of the data versions its answers come
 * from; every read through the cache in its asynchronous descent notes its version there, without the
 * services passing anything along.
 */
export function withProvenance<T>(handle: () => T): T {
  return requests.run(new RequestProvenance(), handle);
}

export function noteDataVersion(version: DataVersion): void {
  requests.getStore()?.note(version);
}

/** When the data the current request's answers were computed from was complete; undefined if no answer read any. */
export function currentDataAsOf(): Date | undefined {
  return requests.getStore()?.dataAsOf();
}

/**
 * How an HTTP answer read from analytics may be cached: by anyone, but asked again before each use
 * (`no-cache`; `public` lets a shared cache keep it although the request carried a key: the
 * revalidation carries the asker's key, so only an allowed caller gets the 304).
 */
export const ANSWER_CACHE_CONTROL = 'public, no-cache';

/** When the data of the answer was complete (ISO 8601), as {@link currentDataAsOf} says. */
export const DATA_AS_OF_HEADER = 'Rateline-Data-As-Of';

/** The headers of an HTTP answer read from analytics. */
export function freshnessHeaders(): Record<string, string> {
  const asOf = currentDataAsOf();
  return {
    'Cache-Control': ANSWER_CACHE_CONTROL,
    ...(asOf === undefined ? {} : { [DATA_AS_OF_HEADER]: asOf.toISOString() }),
  };
}
