import { guardStore, type StoreErrorListener, type UnavailableClassifier } from '../store-errors';
import type { OperationalStore } from './ports';

/**
 * The operational store with every port guarded (see {@link guardStore}), the change feed's readers
 * included: applied once, by the composition root, with the adapter's own classifier.
 */
export function guardOperationalStore(
  store: OperationalStore,
  isUnavailable: UnavailableClassifier,
  onError: StoreErrorListener,
): OperationalStore {
  const guard = <T extends object>(port: T, name: string, guardResultsOf: readonly (keyof T)[] = []): T =>
    guardStore(port, 'operational', isUnavailable, onError, { name, guardResultsOf });
  const lifecycle = guard({ checkAvailable: () => store.checkAvailable(), close: () => store.close() }, 'store');
  return {
    referenceData: guard(store.referenceData, 'referenceData'),
    batches: guard(store.batches, 'batches'),
    chunkedBatches: guard(store.chunkedBatches, 'chunkedBatches'),
    batchWork: guard(store.batchWork, 'batchWork'),
    exchangeRates: guard(store.exchangeRates, 'exchangeRates'),
    replicationLeases: guard(store.replicationLeases, 'replicationLeases'),
    replicas: guard(store.replicas, 'replicas'),
    retention: guard(store.retention, 'retention'),
    changeFeed: guard(store.changeFeed, 'changeFeed', ['follow']),
    checkAvailable: () => lifecycle.checkAvailable(),
    close: () => lifecycle.close(),
  };
}
