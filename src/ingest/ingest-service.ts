import { createHash, randomUUID } from 'node:crypto';
import type { ExchangeRates } from '../currencies';
import type { Batch, BatchItemError, NewBatch } from '../domain/batch';
import { addDays, daysInRange, formatDay, parseDay } from '../domain/day';
import { badUserInput, RatelineError } from '../domain/errors';
import type { OperationalStore } from '../stores/operational';
import { portCodesOf, validatePriceItems, type PriceItemInput } from './price-items';

export interface IngestLimits {
  readonly maxBatchItems: number;
}

export interface SubmitPriceBatchInput {
  readonly items: readonly PriceItemInput[];
  readonly idempotencyKey: string;
  readonly skipInvalid: boolean;
}

export interface UploadPriceInput {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly price: number;
  readonly currency: string;
  readonly idempotencyKey?: string | null;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * Writes prices: validates a batch, then records it durably in the operational store in one step.
 * Analytics learn about it through the replicator, never from here.
 */
export class IngestService {
  constructor(
    private readonly operational: OperationalStore,
    private readonly limits: IngestLimits,
    private readonly exchangeRates: ExchangeRates,
  ) {}

  async submitPriceBatch(input: SubmitPriceBatchInput): Promise<Batch> {
    checkIdempotencyKey(input.idempotencyKey);
    const count = input.items.length;
    if (count === 0) throw badUserInput('items', count, 'A batch needs at least one item');
    if (count > this.limits.maxBatchItems) {
      throw new RatelineError(
        'PAYLOAD_TOO_LARGE',
        `A batch holds at most ${this.limits.maxBatchItems} items (MAX_BATCH_ITEMS); this one has ${count}: split it`,
        'items',
        count,
      );
    }
    const requestHash = fingerprint(input);
    // A retry of a recorded batch answers without validating it again.
    const earlier = await this.operational.batchByIdempotencyKey(input.idempotencyKey);
    if (earlier) return sameRequestOrConflict(earlier, requestHash, input.idempotencyKey);

    const knownPorts = new Set(
      (await this.operational.portsByCodes(portCodesOf(input.items))).flatMap((port) => (port ? [port.code] : [])),
    );
    // One call for the rates of the items' distinct (currency, day) pairs; a provider that cannot answer
    // fails the request here (EXCHANGE_RATES_UNAVAILABLE), before anything is written.
    const rates = await this.exchangeRates.lookup(input.items);
    const { prices, errors } = validatePriceItems(input.items, knownPorts, rates);
    if (errors.length > 0 && !input.skipInvalid) {
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
      idempotencyKey: input.idempotencyKey,
      requestHash,
      status: prices.length > 0 ? 'ACCEPTED' : 'REJECTED',
      itemCount: count,
      errors,
      createdAt: new Date(),
      prices,
    };
    const outcome = await this.operational.recordBatch(batch);
    if (outcome.kind === 'conflict') throw idempotencyConflict(input.idempotencyKey, outcome.batch);
    return outcome.batch;
  }

  /** One price for every day from dateFrom to dateTo, as one batch; any problem is the request's error. */
  async uploadPrice(input: UploadPriceInput): Promise<Batch> {
    const from = parseDay(input.dateFrom);
    if (from === undefined) throw badUserInput('dateFrom', input.dateFrom, 'dateFrom must be a date as YYYY-MM-DD');
    const to = parseDay(input.dateTo);
    if (to === undefined) throw badUserInput('dateTo', input.dateTo, 'dateTo must be a date as YYYY-MM-DD');
    if (to < from) throw badUserInput('dateTo', input.dateTo, 'dateTo must not be before dateFrom');
    const days = daysInRange(from, to);
    if (days > this.limits.maxBatchItems) {
      throw badUserInput('dateTo', input.dateTo, `The range covers ${days} days; at most ${this.limits.maxBatchItems}`);
    }
    const items = Array.from({ length: days }, (_, offset) => ({
      originCode: input.originCode,
      destinationCode: input.destinationCode,
      day: formatDay(addDays(from, offset)),
      price: input.price,
      currency: input.currency,
    }));
    try {
      return await this.submitPriceBatch({
        items,
        idempotencyKey: input.idempotencyKey ?? randomUUID(),
        skipInvalid: false,
      });
    } catch (error) {
      throw firstItemErrorAsRequestError(error);
    }
  }

  async retractBatch(id: string): Promise<Batch> {
    const batch = await this.operational.retractBatch(id, new Date());
    if (!batch) throw new RatelineError('NOT_FOUND', `No batch has the id ${JSON.stringify(id)}`, 'id', id);
    return batch;
  }
}

function sameRequestOrConflict(earlier: Batch, requestHash: string, key: string): Batch {
  if (earlier.requestHash !== requestHash) throw idempotencyConflict(key, earlier);
  return earlier;
}

function checkIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /\p{Cc}/u.test(key)) {
    throw badUserInput(
      'idempotencyKey',
      key,
      `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters without control characters`,
    );
  }
}

/** Identifies a request's content, so that a key reused for something else is noticed. */
function fingerprint(input: SubmitPriceBatchInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.skipInvalid, input.items]))
    .digest('base64url');
}

function idempotencyConflict(key: string, earlier: Batch): RatelineError {
  return new RatelineError(
    'IDEMPOTENCY_KEY_REUSED',
    `The idempotencyKey ${JSON.stringify(key)} was used for a different batch (${earlier.id}); use a new key`,
    'idempotencyKey',
    key,
    { batchId: earlier.id },
  );
}

/** uploadPrice's items all share its fields, so the first item's first error is the request's error. */
function firstItemErrorAsRequestError(error: unknown): unknown {
  if (!(error instanceof RatelineError)) return error;
  const itemErrors = error.details?.itemErrors as BatchItemError[] | undefined;
  const first = itemErrors?.[0];
  if (!first) return error;
  const field = first.field === 'day' ? 'dateFrom' : first.field;
  return new RatelineError(first.code, `${field} ${first.message}`, field, first.value);
}
