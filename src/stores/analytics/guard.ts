import { guardStore, type StoreErrorListener, type UnavailableClassifier } from '../store-errors';
import type { AnalyticsStore } from './ports';

/**
 * The analytics store with every port guarded (see {@link guardStore}): applied once, by the
 * composition root, with the adapter's own classifier. Operations keep their bare method names (no
 * port prefix, unlike the operational store's): they are unique across the ports, and the
 * `rateline_store_errors_total{store="analytics"}` labels stay what they were before the ports.
 */
export function guardAnalyticsStore(
  store: AnalyticsStore,
  isUnavailable: UnavailableClassifier,
  onError: StoreErrorListener,
): AnalyticsStore {
  const guard = <T extends object>(port: T): T => guardStore(port, 'analytics', isUnavailable, onError);
  const lifecycle = guard({ checkAvailable: () => store.checkAvailable(), close: () => store.close() });
  return {
    totals: guard(store.totals),
    statistics: guard(store.statistics),
    replica: guard(store.replica),
    snapshots: guard(store.snapshots),
    checkAvailable: () => lifecycle.checkAvailable(),
    // Reads a counter of this process: nothing to reach, nothing to guard.
    saturation: () => store.saturation(),
    close: () => lifecycle.close(),
  };
}
