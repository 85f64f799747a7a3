import { randomUUID } from 'node:crypto';
import type { ExchangeRateService } from '../currencies';
import type { Batch, BatchActor, BatchItemError } from '../domain/batch';
import { mayActOn } from '../domain/batch-rules';
import { addDays, daysInRange, formatDay } from '../domain/day';
import { dayRangeArguments } from '../domain/day-arguments';
import { badUserInput, RatelineError } from '../domain/errors';
import { contractTermOf, type ContractTerm } from '../domain/freight-dimensions';
import type { AppendChunkOutcome, CommitBatchOutcome, OperationalStore } from '../stores/operational';
import { watchBatch, type BatchWatch } from './batch-progress';
import { chunkContentHash, encodeChunkItems } from './chunk-content';
import type { IngestEvents } from './ingest-events';
import { checkIdempotencyKey, checkItemCount, fingerprint, idempotencyConflict } from './batch-requests';
import { PriceBatchWriter, type SubmitPriceBatchInput } from './price-batch-writer';
import type { PriceItemInput } from './price-items';
import { itemsOfRow, SHEET_CHUNK_ITEMS, type SheetRow } from './rate-sheet';

export interface IngestLimits {
  /** Items in one request: a whole batch, or one chunk of a chunked batch. */
  readonly maxBatchItems: number;
  /** Items in all the chunks of one chunked batch. */
  readonly maxChunkedBatchItems: number;
  /** How long a chunked batch takes chunks before it expires uncommitted. */
  readonly openBatchTtlMs: number;
  /** The longest range uploadPrice covers, as for a rates query. */
  readonly maxRatesRangeDays: number;
}

/**
 * Waits for the caller's next turn on the write path and answers how to end it (the composition root
 * passes the process's write turns, `limits/write-turns.ts`); it may refuse with a RatelineError.
 */
export type TakeTurn = () => Promise<() => void>;

const noTurns: TakeTurn = () => Promise.resolve(() => undefined);

export interface CreateBatchInput {
  readonly idempotencyKey: string;
  readonly skipInvalid: boolean;
}

/** How often a watched batch is read again; a 1,000,000-price batch settles in seconds. */
const PROGRESS_POLL_MS = 200;

/** Chunks per batch: far more than a 10-million-item batch needs at the usual 10,000 to 100,000 items a chunk. */
export const MAX_CHUNK_INDEX = 99_999;

export interface UploadPriceInput {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly price: number;
  readonly currency: string;
  /** As the supplier writes it; absent or null: unspecified. */
  readonly containerType?: string | null;
  /** The term stated; absent or null: the term the range's validity implies (contractTermOf). */
  readonly contractTerm?: ContractTerm | null;
  /** Required: a few hundred bytes ask for thousands of prices, which a blind retry must not write twice. */
  readonly idempotencyKey: string;
}

/**
 * Writes prices: a whole batch is validated, then recorded durably in the operational store in one
 * step ({@link PriceBatchWriter}); a chunked batch is opened, given chunks and committed here, and
 * checked by a worker. Analytics learn about batches through the replicator, never from here.
 *
 * Every call names its {@link BatchActor}: new batches are the actor's, idempotency keys are the
 * actor's own, and a batch the actor may not act on (another supplier's, or no supplier's, unless the
 * actor is an admin) answers NOT_FOUND exactly like an id that names none, so that ids and keys of
 * other suppliers can be neither probed nor touched.
 */
export class IngestService {
  private readonly wholeBatches: PriceBatchWriter;

  constructor(
    private readonly operational: Pick<OperationalStore, 'batches' | 'chunkedBatches' | 'referenceData'>,
    private readonly limits: IngestLimits,
    exchangeRates: ExchangeRateService,
    /** Told what each whole batch came to and how many prices it recorded. */
    events: IngestEvents,
    /** Called after a chunked batch is committed: wakes a worker of this process at once. */
    private readonly onCommitted: () => void = () => undefined,
  ) {
    this.wholeBatches = new PriceBatchWriter(operational, exchangeRates, events);
  }

  /** Validates a whole batch and records it in one step (see {@link PriceBatchWriter.submit}). */
  submitPriceBatch(actor: BatchActor, input: Omit<SubmitPriceBatchInput, 'owner'>): Promise<Batch> {
    return this.wholeBatches.submit({ ...input, owner: actor.name }, this.limits.maxBatchItems);
  }

  /** One price for every day from dateFrom to dateTo, as one batch; any problem is the request's error. */
  async uploadPrice(actor: BatchActor, input: UploadPriceInput): Promise<Batch> {
    // One price per day: the range is bounded as a query's is, and by the batch's item limit when lower.
    const { from, to } = dayRangeArguments(
      input,
      this.limits.maxBatchItems < this.limits.maxRatesRangeDays
        ? { maxDays: this.limits.maxBatchItems, setting: 'MAX_BATCH_ITEMS' }
        : { maxDays: this.limits.maxRatesRangeDays, setting: 'MAX_RATES_RANGE_DAYS' },
    );
    const days = daysInRange(from, to);
    // The range is the price's validity: it implies a term unless the supplier states one.
    const dimensions = { containerType: input.containerType, contractTerm: contractTermOf(input.contractTerm, days) };
    const items = Array.from({ length: days }, (_, offset) => ({
      originCode: input.originCode,
      destinationCode: input.destinationCode,
      day: formatDay(addDays(from, offset)),
      price: input.price,
      currency: input.currency,
      ...dimensions,
    }));
    try {
      return await this.submitPriceBatch(actor, {
        items,
        idempotencyKey: input.idempotencyKey,
        skipInvalid: false,
      });
    } catch (error) {
      throw firstItemErrorAsRequestError(error);
    }
  }

  async retractBatch(actor: BatchActor, id: string): Promise<Batch> {
    await this.batchOf(actor, id, 'id');
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

  /**
   * Undoes a retraction (an admin's call): the batch is what it was before (`restoredStatus`) and its
   * prices count again once the replicator has copied them back. Restoring again, or a batch that was
   * never retracted but is settled, answers the batch as it is; one still open or in a worker's hands
   * is BATCH_NOT_SETTLED, and one whose prices retention removed is BATCH_PRICES_PRUNED.
   */
  async restoreBatch(actor: BatchActor, id: string): Promise<Batch> {
    await this.batchOf(actor, id, 'id');
    const batch = await this.operational.batches.restore(id, new Date());
    if (!batch) throw notFound('id', id);
    if (batch.status === 'ACCEPTED' || batch.status === 'REJECTED') return batch;
    // Still retracted after a restore: the store refused it, since retention removed its prices.
    if (batch.status === 'RETRACTED') {
      throw new RatelineError(
        'BATCH_PRICES_PRUNED',
        `Batch ${id} cannot be restored: its prices left the operational store (OPERATIONAL_RETENTION) and ` +
          'its retraction removed them from analytics',
        'id',
        id,
        { status: batch.status },
      );
    }
    throw new RatelineError(
      'BATCH_NOT_SETTLED',
      `Batch ${id} is ${batch.status}: only a retracted batch can be restored`,
      'id',
      id,
      { status: batch.status },
    );
  }

  /** Opens a chunked batch; the same key with the same skipInvalid answers the batch it opened. */
  createBatch(actor: BatchActor, input: CreateBatchInput): Promise<Batch> {
    return this.openBatch(actor, input, 'chunked');
  }

  /**
   * A rate sheet (POST /batches) as one chunked batch: opened under the key, given the items of
   * `rows` in chunks of {@link SHEET_CHUNK_ITEMS}, each appended before the next row is read (so one
   * chunk is in memory, whatever the file's size), then committed; a worker checks it as any chunked
   * batch. The key names one upload: a retry after a failure mid-file appends the same chunks again
   * (duplicates change nothing) and the rest; once the batch is committed, the key answers it without
   * reading the rows. A sheet over MAX_CHUNKED_BATCH_ITEMS, or one its reader cannot parse (a
   * BAD_USER_INPUT from `rows`), aborts the batch: nothing of it counts. Any other failure (the client
   * gone, a store down, no write turn in time) leaves it OPEN for the retry, or to expire. Each chunk
   * is read and appended within a turn of `takeTurn`.
   */
  async uploadSheet(
    actor: BatchActor,
    input: CreateBatchInput,
    rows: AsyncIterable<SheetRow>,
    takeTurn: TakeTurn = noTurns,
  ): Promise<Batch> {
    const batch = await this.openBatch(actor, input, 'sheet');
    if (batch.status === 'ABORTED' || batch.status === 'EXPIRED') throw notOpen(batch, 'given a sheet');
    if (batch.status !== 'OPEN') return batch;
    let endTurn = await takeTurn();
    try {
      let chunk: PriceItemInput[] = [];
      let chunkIndex = 0;
      for await (const row of rows) {
        for (const item of itemsOfRow(row, this.limits.maxRatesRangeDays)) {
          chunk.push(item);
          if (chunk.length === SHEET_CHUNK_ITEMS) {
            await this.appendChunk(batch.id, chunkIndex, chunk);
            chunkIndex += 1;
            chunk = [];
            // One chunk per turn: a long sheet takes turns with other callers' writes, chunk by chunk.
            endTurn();
            endTurn = await takeTurn();
          }
        }
      }
      if (chunk.length > 0) await this.appendChunk(batch.id, chunkIndex, chunk);
    } catch (error) {
      if (error instanceof RatelineError && ABORTING_SHEET_ERRORS.has(error.code)) {
        await this.operational.chunkedBatches.end(batch.id, 'ABORTED');
      }
      throw error;
    } finally {
      endTurn();
    }
    return this.commitBatch(actor, batch.id);
  }

  private async openBatch(actor: BatchActor, input: CreateBatchInput, kind: 'chunked' | 'sheet'): Promise<Batch> {
    checkIdempotencyKey(input.idempotencyKey);
    const createdAt = new Date();
    const outcome = await this.operational.chunkedBatches.open({
      id: randomUUID(),
      owner: actor.name,
      idempotencyKey: input.idempotencyKey,
      // A string first: never equal to a whole batch's [skipInvalid, items]; a sheet's key is not a
      // GraphQL chunked batch's, so the two protocols never add to one batch.
      requestHash: fingerprint([kind, input.skipInvalid]),
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
  async appendBatchItems(
    actor: BatchActor,
    batchId: string,
    chunkIndex: number,
    items: readonly PriceItemInput[],
  ): Promise<Batch> {
    if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex > MAX_CHUNK_INDEX) {
      throw badUserInput('chunkIndex', chunkIndex, `chunkIndex must be a whole number from 0 to ${MAX_CHUNK_INDEX}`);
    }
    checkItemCount(items.length, this.limits.maxBatchItems, 'A chunk');
    await this.batchOf(actor, batchId, 'batchId');
    return this.appendChunk(batchId, chunkIndex, items);
  }

  /** Keeps a chunk of a batch the caller may act on (its size is the caller's to have checked). */
  private async appendChunk(batchId: string, chunkIndex: number, items: readonly PriceItemInput[]): Promise<Batch> {
    const content = encodeChunkItems(items);
    const chunk = { index: chunkIndex, itemCount: items.length, contentHash: chunkContentHash(content), content };
    const outcome = await this.operational.chunkedBatches.append(batchId, chunk, this.limits.maxChunkedBatchItems);
    if (!outcome) throw notFound('batchId', batchId);
    return appendedOrError(outcome, chunkIndex);
  }

  /** Queues an open batch for a worker and answers at once; committing again answers the batch as it is. */
  async commitBatch(actor: BatchActor, batchId: string): Promise<Batch> {
    await this.batchOf(actor, batchId, 'batchId');
    const outcome = await this.operational.chunkedBatches.commit(batchId);
    if (!outcome) throw notFound('batchId', batchId);
    const batch = committedOrError(outcome);
    if (outcome.kind === 'committed') this.onCommitted();
    return batch;
  }

  /** Ends an open batch and drops its chunks; aborting again answers the aborted batch. */
  async abortBatch(actor: BatchActor, batchId: string): Promise<Batch> {
    await this.batchOf(actor, batchId, 'batchId');
    const outcome = await this.operational.chunkedBatches.end(batchId, 'ABORTED');
    if (!outcome) throw notFound('batchId', batchId);
    if (outcome.kind === 'ended' || outcome.batch.status === 'ABORTED') return outcome.batch;
    throw notOpen(outcome.batch, 'aborted');
  }

  /** The batch now, then each change of its progress, until it is settled; NOT_FOUND for an unknown id. */
  async watchBatch(actor: BatchActor, batchId: string): Promise<BatchWatch> {
    const batch = await this.batchOf(actor, batchId, 'id');
    return watchBatch(this.operational.batches, batch, PROGRESS_POLL_MS);
  }

  /**
   * The batch, if the actor may act on it; NOT_FOUND otherwise, the same answer as for an unknown id.
   * An owner never changes, so the operation that follows acts on a batch this check has cleared.
   */
  private async batchOf(actor: BatchActor, id: string, field: string): Promise<Batch> {
    const [batch] = await this.operational.batches.byIds([id]);
    if (!batch || !mayActOn(actor, batch)) throw notFound(field, id);
    return batch;
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
          : `Batch ${outcome.batch.id} lacks ${missingInWords(outcome.missing)}: chunks are numbered from 0 ` +
              'without gaps; append them, then commit again',
        'batchId',
        outcome.batch.id,
        // Up to 99,999 chunks may be missing; the first ones are what the client appends next.
        { missingChunks: outcome.missing.slice(0, MAX_LISTED_CHUNKS), missingChunkCount: outcome.missing.length },
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

/** A sheet over MAX_CHUNKED_BATCH_ITEMS, or one that cannot be parsed: its batch would never be whole. */
const ABORTING_SHEET_ERRORS: ReadonlySet<string> = new Set(['PAYLOAD_TOO_LARGE', 'BAD_USER_INPUT']);

const MAX_LISTED_CHUNKS = 100;
const MAX_CHUNKS_IN_MESSAGE = 20;

function missingInWords(missing: readonly number[]): string {
  if (missing.length === 1) return `chunk ${missing[0]}`;
  if (missing.length <= MAX_CHUNKS_IN_MESSAGE) return `chunks ${missing.join(', ')}`;
  const listed = missing.slice(0, MAX_CHUNKS_IN_MESSAGE).join(', ');
  return `${missing.length} chunks: ${listed} and ${missing.length - MAX_CHUNKS_IN_MESSAGE} more`;
}

function notFound(field: string, id: string): RatelineError {
  return new RatelineError('NOT_FOUND', `No batch has the id ${JSON.stringify(id)}`, field, id);
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
