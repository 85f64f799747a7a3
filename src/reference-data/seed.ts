import type { Logger } from 'pino';
import { ExchangeRates, OfflineExchangeRates } from '../currencies';
import { IngestService } from '../ingest';
import type { OperationalStore } from '../stores/operational';
import type { ReferenceDataset } from './dataset';

/** The idempotency key of the batch that holds the reference prices; a re-run finds it and stops. */
export const REFERENCE_BATCH_KEY = 'reference-dataset';

export interface SeedReport {
  readonly regions: number;
  readonly ports: number;
  /** Prices written by this run; 0 when the reference batch was already there. */
  readonly pricesLoaded: number;
  readonly pricesPresent: number;
  readonly batchId: string;
}

/**
 * Loads the reference dataset through the write path: ports and regions are upserted, the prices are
 * one batch submitted like any supplier's, so they reach analytics through the replicator. Running it
 * again changes nothing (the batch's idempotency key).
 */
export async function seedReferenceData(
  operational: Pick<OperationalStore, 'referenceData' | 'batches' | 'chunkedBatches' | 'exchangeRates'>,
  dataset: ReferenceDataset,
  log: Logger,
): Promise<SeedReport> {
  const counts = await operational.referenceData.upsert(dataset);
  const earlier = await operational.batches.byIdempotencyKey(REFERENCE_BATCH_KEY);
  if (earlier) return { ...counts, pricesLoaded: 0, pricesPresent: earlier.acceptedCount, batchId: earlier.id };
  // The reference batch is larger than a client's default limit allows; it is trusted data.
  // Its prices are all in USD: the exchange rates are never asked.
  const exchangeRates = new ExchangeRates(new OfflineExchangeRates(operational.exchangeRates));
  const ingest = new IngestService(
    operational,
    { maxBatchItems: dataset.prices.length, maxChunkedBatchItems: dataset.prices.length, openBatchTtlMs: 0 },
    exchangeRates,
  );
  const batch = await ingest.submitPriceBatch({
    idempotencyKey: REFERENCE_BATCH_KEY,
    skipInvalid: false,
    items: dataset.prices.map((p) => ({
      originCode: p.originCode,
      destinationCode: p.destinationCode,
      day: p.day,
      price: p.usdCents / 100,
      currency: 'USD',
    })),
  });
  log.debug({ batchId: batch.id }, 'reference prices recorded');
  return { ...counts, pricesLoaded: batch.acceptedCount, pricesPresent: batch.acceptedCount, batchId: batch.id };
}
