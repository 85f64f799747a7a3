import { randomUUID } from 'node:crypto';
import type { ExchangeRateService } from '../currencies';
import type { Batch, BatchOwner, NewBatch } from '../domain/batch';
import { RatelineError } from '../domain/errors';
import type { BatchStore, ReferenceDataStore } from '../stores/operational';
import { checkIdempotencyKey, checkItemCount, fingerprint, idempotencyConflict } from './batch-requests';
import type { IngestEvents } from './ingest-events';
import { withoutUnstatedDimensions, portCodesOf, validatePriceItems, type PriceItemInput } from './price-items';

export interface SubmitPriceBatchInput {
  /** Who submits it (an API key's name; null for no supplier, as the seed). */
  readonly owner: BatchOwner;
  readonly items: readonly PriceItemInput[];
  readonly idempotencyKey: string;
  readonly skipInvalid: boolean;
}

/**
 * Writes a whole batch (one request): validates it, then records it durably in the operational store
 * in one step. Needs only the two lookups and the record it makes, so that the seed writes the reference
 * prices through it as a supplier's batch.
 */
export class PriceBatchWriter {
  constructor(
    private readonly operational: {
      readonly batches: Pick<BatchStore, 'byIdempotencyKey' | 'record'>;
      readonly referenceData: Pick<ReferenceDataStore, 'portsByCodes'>;
    },
    private readonly exchangeRates: Pick<ExchangeRateService, 'lookup'>,
    private readonly events: IngestEvents,
  ) {}

  async submit(input: SubmitPriceBatchInput, maxBatchItems: number): Promise<Batch> {
    checkIdempotencyKey(input.idempotencyKey);
    checkItemCount(input.items.length, maxBatchItems, 'A batch');
    const count = input.items.length;
    const requestHash = fingerprint([input.skipInvalid, input.items.map(withoutUnstatedDimensions)]);
    // A retry of a recorded batch answers without validating it again.
    const earlier = await this.operational.batches.byIdempotencyKey(input.owner, input.idempotencyKey);
    if (earlier) {
      if (earlier.requestHash !== requestHash) {
        this.events.batchOutcome('conflict');
        throw idempotencyConflict(input.idempotencyKey, earlier);
      }
      this.events.batchOutcome('replayed');
      return earlier;
    }

    const knownPorts = new Set(
      (await this.operational.referenceData.portsByCodes(portCodesOf(input.items))).flatMap((port) =>
        port ? [port.code] : [],
      ),
    );
    // One call for the rates of the items' distinct (currency, day) pairs; a provider that cannot answer
    // fails the request here (EXCHANGE_RATES_UNAVAILABLE), before anything is written.
    const rates = await this.exchangeRates.lookup(input.items);
    const { prices, errors } = validatePriceItems(input.items, knownPorts, rates);
    if (errors.length > 0 && !input.skipInvalid) {
      this.events.batchOutcome('refused');
      const invalidItems = new Set(errors.map((e) => e.index)).size;
      throw new RatelineError(
        'BAD_USER_INPUT',
        `${invalidItems} of ${count} items are invalid, so nothing was written; fix them, or resubmit with ` +
          'skipInvalid: true to write the valid ones (see extensions.itemErrors)',
        'items',
        undefined,
        { itemErrors: errors },
      );
    }
    const batch: NewBatch = {
      id: randomUUID(),
      owner: input.owner,
      idempotencyKey: input.idempotencyKey,
      requestHash,
      status: prices.length > 0 ? 'ACCEPTED' : 'REJECTED',
      skipInvalid: input.skipInvalid,
      itemCount: count,
      errors,
      createdAt: new Date(),
      prices,
    };
    let outcome;
    try {
      outcome = await this.operational.batches.record(batch);
    } catch (error) {
      this.events.batchOutcome('failed');
      throw error;
    }
    if (outcome.kind === 'conflict') {
      this.events.batchOutcome('conflict');
      throw idempotencyConflict(input.idempotencyKey, outcome.batch);
    }
    if (outcome.kind === 'existing') this.events.batchOutcome('replayed');
    else {
      this.events.batchOutcome(outcome.batch.status === 'ACCEPTED' ? 'accepted' : 'rejected');
      this.events.pricesAccepted(outcome.batch.acceptedCount);
    }
    return outcome.batch;
  }
}
