import type { Logger } from 'pino';
import type { AnalyticsStore } from '../stores/analytics';
import type { OperationalStore } from '../stores/operational';
import type { ReferenceDataset } from './dataset';

/** The batch the reference prices belong to; also how a re-run recognises them. */
export const REFERENCE_BATCH_ID = 'reference-dataset';

export interface SeedReport {
  readonly regions: number;
  readonly ports: number;
  /** Prices appended by this run; 0 when they were all already there. */
  readonly pricesLoaded: number;
  readonly pricesPresent: number;
}

/**
 * Loads the reference dataset; running it again changes nothing. Ports and regions are upserted;
 * prices are appended only when the reference batch is not wholly present (a partial one, left by an
 * interrupted run, is removed first).
 *
 * Until the write path exists (issue 3), prices go straight into the analytics store here. Issue 3
 * replaces `loadPricesDirectly` with a batch written to the operational store and replicated.
 */
export async function seedReferenceData(
  stores: { operational: OperationalStore; analytics: AnalyticsStore },
  dataset: ReferenceDataset,
  log: Logger,
): Promise<SeedReport> {
  const counts = await stores.operational.upsertReferenceData(dataset);
  const pricesLoaded = await loadPricesDirectly(stores.analytics, dataset, log);
  return { ...counts, pricesLoaded, pricesPresent: dataset.prices.length };
}

/** Appends the reference prices unless all of them are there; returns how many it appended. */
async function loadPricesDirectly(analytics: AnalyticsStore, dataset: ReferenceDataset, log: Logger): Promise<number> {
  const present = await analytics.batchPriceCount(REFERENCE_BATCH_ID);
  if (present === dataset.prices.length) return 0;
  if (present > 0) {
    log.warn({ present, expected: dataset.prices.length }, 'reference prices partly present; reloading them');
    await analytics.removeBatch(REFERENCE_BATCH_ID);
  }
  await analytics.appendPrices(
    dataset.prices.map((price, index) => ({ ...price, priceId: index + 1, batchId: REFERENCE_BATCH_ID })),
  );
  return dataset.prices.length;
}
