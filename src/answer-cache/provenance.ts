import { UNBOUNDED, type Budget } from '../domain/budget';
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

/**
 * Each request's provenance, found by its budget: every analytical read takes the budget of the request
 * it answers down to the cache, so the budget names the request. (An AsyncLocalStorage did this before;
 * its promise hooks, run for every promise of every request, cost a cached answer about a tenth of its
 * CPU.) Work for no request (UNBOUNDED: subscriptions, the replicator) records nothing.
 */
const provenances = new WeakMap<Budget, RequestProvenance>();

export function noteDataVersion(budget: Budget, version: DataVersion): void {
  if (budget === UNBOUNDED) return;
  let provenance = provenances.get(budget);
  if (provenance === undefined) {
    provenance = new RequestProvenance();
    provenances.set(budget, provenance);
  }
  provenance.note(version);
}

/** When the data the answers read within `budget` were computed from was complete; undefined if none read any. */
export function dataAsOf(budget: Budget): Date | undefined {
  return provenances.get(budget)?.dataAsOf();
}

/**
 * How an HTTP answer read from analytics may be cached: by anyone, but asked again before each use
 * (`no-cache`; `public` lets a shared cache keep it although the request carried a key: the
 * revalidation carries the asker's key, so only an allowed caller gets the 304).
 */
export const ANSWER_CACHE_CONTROL = 'public, no-cache';

/** When the data of the answer was complete (ISO 8601), as {@link dataAsOf} says. */
export const DATA_AS_OF_HEADER = 'Rateline-Data-As-Of';

/** The headers of an HTTP answer read from analytics within `budget`. */
export function freshnessHeaders(budget: Budget): Record<string, string> {
  const asOf = dataAsOf(budget);
  return {
    'Cache-Control': ANSWER_CACHE_CONTROL,
    ...(asOf === undefined ? {} : { [DATA_AS_OF_HEADER]: asOf.toISOString() }),
  };
}
