import { createHash, randomUUID } from 'node:crypto';
import type { ExchangeRates } from '../currencies';
import type { Batch, BatchItemError, NewBatch } from '../domain/batch';
import { addDays, daysInRange, formatDay } from '../domain/day';
import { dayRangeArguments } from '../domain/day-arguments';
import { badUserInput, RatelineError } from '../domain/errors';
import { recordBatchOutcome, recordPricesAccepted } from '../observability/metrics';
import type { AppendChunkOutcome, CommitBatchOutcome, OperationalStore } from '../stores/operational';
import { watchBatch } from './batch-progress';
import { chunkContentHash, encodeChunkItems } from './chunk-content';
import { portCodesOf, validatePriceItems, type PriceItemInput } from './price-items';

export interface IngestLimits {
  /** Items in one request: a whole batch, or one chunk of a chunked batch. */
  readonly maxBatchItems: number;
  /** Items in all the chunks of one chunked batch. */
  readonly maxChunkedBatchItems: number;
  /** How long a chunked batch takes chunks before it expires uncommitted. */
  readonly openBatchTtlMs: number;
}

export interface CreateBatchInput {
  readonly idempotencyKey: string;
  readonly skipInvalid: boolean;
}

/** How often a watched batch is read again; a 1,000,000-price batch settles in seconds. */
const PROGRESS_POLL_MS = 200;

/** Chunks per batch: far more than a 10-million-item batch needs at the usual 10,000 to 100,000 items a chunk. */
export const MAX_CHUNK_INDEX = 99_999;

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
    private readonly operational: Pick<OperationalStore, 'batches' | 'chunkedBatches' | 'referenceData'>,
    private readonly limits: IngestLimits,
    private readonly exchangeRates: ExchangeRates,
    /** Called after a chunked batch is committed: wakes a worker of this process at once. */
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  async submitPriceBatch(input: SubmitPriceBatchInput): Promise<Batch> {
    checkIdempotencyKey(input.idempotencyKey);
    this.checkItemCount(input.items.length, 'A batch');
    const count = input.items.length;
    const requestHash = fingerprint([input.skipInvalid, input.items]);
    // A retry of a recorded batch answers without validating it again.
    const earlier = await this.operational.batches.byIdempotencyKey(input.idempotencyKey);
    if (earlier) {
      const same = sameRequestOrConflict(earlier, requestHash, input.idempotencyKey);
      recordBatchOutcome('replayed');
      return same;
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
      recordBatchOutcome('refused');
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
      recordBatchOutcome('failed');
      throw error;
    }
    if (outcome.kind === 'conflict') {
      recordBatchOutcome('conflict');
      throw idempotencyConflict(input.idempotencyKey, outcome.batch);
    }
    if (outcome.kind === 'existing') recordBatchOutcome('replayed');
    else {
      recordBatchOutcome(outcome.batch.status === 'ACCEPTED' ? 'accepted' : 'rejected');
      recordPricesAccepted(outcome.batch.acceptedCount);
    }
    return outcome.batch;
  }

  /** One price for every day from dateFrom to dateTo, as one batch; any problem is the request's error. */
  async uploadPrice(input: UploadPriceInput): Promise<Batch> {
    // One price per day: the batch's item limit bounds the range.
    const { from, to } = dayRangeArguments(input, { maxDays: this.limits.maxBatchItems, setting: 'MAX_BATCH_ITEMS' });
    const days = daysInRange(from, to);
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
    const batch = await this.operational.batches.retract(id, new Date());
    if (!batch) throw notFound('id', id);
    if (batch.status === 'RETRACTED' || batch.status === 'ACCEPTED' || batch.status === 'REJECTED') return batch;
    throw new RatelineError(
      'BATCH_NOT_SETTLED',
      `Batch ${id} is ${batch.status}: only a settled batch (ACCEPTED or REJECTED) can be retracted` +
        (batch.status === 'OPEN' ? '; abortBatch ends an open one' : '; wait for its worker to settle it'),
      'id',
      id,
      { status: batch.status },
    );
  }

  /** Opens a chunked batch; the same key with the same skipInvalid answers the batch it opened. */
  async createBatch(input: CreateBatchInput): Promise<Batch> {
    checkIdempotencyKey(input.idempotencyKey);
    const createdAt = new Date();
    const outcome = await this.operational.chunkedBatches.open({
      id: randomUUID(),
      idempotencyKey: input.idempotencyKey,
      // A string first: never equal to a whole batch's [skipInvalid, items].
      requestHash: fingerprint(['chunked', input.skipInvalid]),
      skipInvalid: input.skipInvalid,
      createdAt,
      openUntil: new Date(createdAt.getTime() + this.limits.openBatchTtlMs),
    });
    if (outcome.kind === 'conflict') throw idempotencyConflict(input.idempotencyKey, outcome.batch);
    return outcome.batch;
  }

  /**
   * Keeps one chunk of an open batch, unchecked until a worker processes it (only its size and shape
   * are checked here, so that a chunk costs little to take). Sending a chunk index again with the same
   * items changes nothing.
   */
  async appendBatchItems(batchId: string, chunkIndex: number, items: readonly PriceItemInput[]): Promise<Batch> {
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > MAX_CHUNK_INDEX) {
      throw badUserInput('chunkIndex', chunkIndex, `chunkIndex must be a whole number from 0 to ${MAX_CHUNK_INDEX}`);
    }
    this.checkItemCount(items.length, 'A chunk');
    const content = encodeChunkItems(items);
    const chunk = { index: chunkIndex, itemCount: items.length, contentHash: chunkContentHash(content), content };
    const outcome = await this.operational.chunkedBatches.append(batchId, chunk, this.limits.maxChunkedBatchItems);
    if (!outcome) throw notFound('batchId', batchId);
    return appendedOrError(outcome, chunkIndex);
  }

  /** Queues an open batch for a worker and answers at once; committing again answers the batch as it is. */
  async commitBatch(batchId: string): Promise<Batch> {
    const outcome = await this.operational.chunkedBatches.commit(batchId);
    if (!outcome) throw notFound('batchId', batchId);
    const batch = committedOrError(outcome);
    if (outcome.kind === 'committed') this.onCommitted();
    return batch;
  }

  /** Ends an open batch and drops its chunks; aborting again answers the aborted batch. */
  async abortBatch(batchId: string): Promise<Batch> {
    const outcome = await this.operational.chunkedBatches.end(batchId, 'ABORTED');
    if (!outcome) throw notFound('batchId', batchId);
    if (outcome.kind === 'ended' || outcome.batch.status === 'ABORTED') return outcome.batch;
    throw notOpen(outcome.batch, 'aborted');
  }

  /** The batch now, then each change of its progress, until it is settled; NOT_FOUND for an unknown id. */
  async watchBatch(batchId: string): Promise<AsyncGenerator<Batch, void, undefined>> {
    const [batch] = await this.operational.batches.byIds([batchId]);
    if (!batch) throw notFound('id', batchId);
    return watchBatch(this.operational.batches, batch, PROGRESS_POLL_MS);
  }

  private checkItemCount(count: number, what: string): void {
    if (count === 0) throw badUserInput('items', count, `${what} needs at least one item`);
    if (count > this.limits.maxBatchItems) {
      throw new RatelineError(
        'PAYLOAD_TOO_LARGE',
        `${what} holds at most ${this.limits.maxBatchItems} items (MAX_BATCH_ITEMS); this one has ${count}: ` +
          'split it (a chunked batch takes any number of chunks)',
        'items',
        count,
      );
    }
  }
}

function appendedOrError(outcome: AppendChunkOutcome, chunkIndex: number): Batch {
  switch (outcome.kind) {
    case 'appended':
    case 'duplicate':
      return outcome.batch;
    case 'conflict':
      throw new RatelineError(
        'CHUNK_CONFLICT',
        `Chunk ${chunkIndex} of batch ${outcome.batch.id} was already sent with other items; ` +
          'a chunk index can be sent again only with the same items',
        'chunkIndex',
        chunkIndex,
      );
    case 'not-open':
      throw notOpen(outcome.batch, 'given chunks');
    case 'too-many-items':
      throw new RatelineError(
        'PAYLOAD_TOO_LARGE',
        `A chunked batch holds at most ${outcome.maxItems} items (MAX_CHUNKED_BATCH_ITEMS); ` +
          `batch ${outcome.batch.id} has ${outcome.batch.itemCount} and this chunk would pass that`,
        'items',
        outcome.batch.itemCount,
      );
  }
}

function committedOrError(outcome: CommitBatchOutcome): Batch {
  switch (outcome.kind) {
    case 'committed':
    case 'already-committed':
      return outcome.batch;
    case 'not-open':
      throw notOpen(outcome.batch, 'committed');
    case 'missing-chunks':
      throw new RatelineError(
        'BATCH_INCOMPLETE',
        outcome.batch.chunkCount === 0
          ? `Batch ${outcome.batch.id} has no chunk yet: append chunk 0 first`
          : `Batch ${outcome.batch.id} lacks chunks ${outcome.missing.join(', ')}: chunks are numbered from 0 ` +
              'without gaps; append them, then commit again',
        'batchId',
        outcome.batch.id,
        { missingChunks: outcome.missing },
      );
  }
}

function notOpen(batch: Batch, action: string): RatelineError {
  return new RatelineError(
    'BATCH_NOT_OPEN',
    `Batch ${batch.id} is ${batch.status}; only an OPEN batch can be ${action}`,
    'batchId',
    batch.id,
    { status: batch.status },
  );
}

function notFound(field: string, id: string): RatelineError {
  return new RatelineError('NOT_FOUND', `No batch has the id ${JSON.stringify(id)}`, field, id);
}

function sameRequestOrConflict(earlier: Batch, requestHash: string, key: string): Batch {
  if (earlier.requestHash !== requestHash) {
    recordBatchOutcome('conflict');
    throw idempotencyConflict(key, earlier);
  }
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
function fingerprint(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
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
