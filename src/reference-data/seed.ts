import type { Logger } from 'pino';
import type { ExchangeRateService } from '../currencies';
import { PriceBatchWriter, type IngestEvents } from '../ingest';
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

/** What the seed writes with: the process's own exchange-rate service and ingest events. */
export interface SeedDependencies {
  readonly exchangeRates: Pick<ExchangeRateService, 'lookup'>;
  readonly events: IngestEvents;
  readonly log: Logger;
}

/**
 * Loads the reference dataset through the write path: ports and regions are upserted, the prices are
 * one batch submitted like any supplier's (reported to `events` like one), so they reach analytics
 * through the replicator. Running it again changes nothing (the batch's idempotency key).
 */
export async function seedReferenceData(
  operational: Pick<OperationalStore, 'referenceData' | 'batches'>,
  dataset: ReferenceDataset,
  { exchangeRates, events, log }: SeedDependencies,
): Promise<SeedReport> {
  const counts = await operational.referenceData.upsert(dataset);
  // No supplier's: only an admin sees it, retracts it or restores it.
  const earlier = await operational.batches.byIdempotencyKey(null, REFERENCE_BATCH_KEY);
  if (earlier) return { ...counts, pricesLoaded: 0, pricesPresent: earlier.acceptedCount, batchId: earlier.id };
  const writer = new PriceBatchWriter(operational, exchangeRates, events);
  // The reference batch is larger than a client's default limit allows; it is trusted data.
  const batch = await writer.submit(
    {
      owner: null,
      idempotencyKey: REFERENCE_BATCH_KEY,
      skipInvalid: false,
      items: dataset.prices.map((p) => ({
        originCode: p.originCode,
        destinationCode: p.destinationCode,
        day: p.day,
        price: p.usdCents / 100,
        currency: 'USD',
      })),
    },
    dataset.prices.length,
  );
  log.debug({ batchId: batch.id }, 'reference prices recorded');
  return { ...counts, pricesLoaded: batch.acceptedCount, pricesPresent: batch.acceptedCount, batchId: batch.id };
}
