import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { AnalyticsStore } from '../stores/analytics';
import type { OperationalStore } from '../stores/operational';
import { traceMethods } from './spans';

/**
 * The operational store with each port's calls as client spans (`operational.batches.record`, …)
 * inside whatever trace is active; applied by the composition root over the guarded store. The change
 * feed's readers are not traced: a read waits for changes, and would only measure the wait.
 */
export function traceOperationalStore(store: OperationalStore, tracer: Tracer): OperationalStore {
  const port = <T extends object>(target: T, name: string): T =>
    traceMethods(tracer, target, `operational.${name}`, SpanKind.CLIENT);
  const lifecycle = port({ checkAvailable: () => store.checkAvailable(), close: () => store.close() }, 'store');
  return {
    referenceData: port(store.referenceData, 'referenceData'),
    batches: port(store.batches, 'batches'),
    chunkedBatches: port(store.chunkedBatches, 'chunkedBatches'),
    batchWork: port(store.batchWork, 'batchWork'),
    exchangeRates: port(store.exchangeRates, 'exchangeRates'),
    replicationLeases: port(store.replicationLeases, 'replicationLeases'),
    replicas: port(store.replicas, 'replicas'),
    retention: port(store.retention, 'retention'),
    changeFeed: port(store.changeFeed, 'changeFeed'),
    checkAvailable: () => lifecycle.checkAvailable(),
    close: () => lifecycle.close(),
  };
}

/** The analytics store likewise (`analytics.totals.dailyPriceTotals`, `analytics.replica.applyChanges`, …). */
export function traceAnalyticsStore(store: AnalyticsStore, tracer: Tracer): AnalyticsStore {
  const port = <T extends object>(target: T, name: string): T =>
    traceMethods(tracer, target, `analytics.${name}`, SpanKind.CLIENT);
  const lifecycle = port({ checkAvailable: () => store.checkAvailable(), close: () => store.close() }, 'store');
  return {
    totals: port(store.totals, 'totals'),
    statistics: port(store.statistics, 'statistics'),
    replica: port(store.replica, 'replica'),
    snapshots: port(store.snapshots, 'snapshots'),
    // Synchronous and in memory: nothing to trace.
    saturation: () => store.saturation(),
    checkAvailable: () => lifecycle.checkAvailable(),
    close: () => lifecycle.close(),
  };
}
