import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { ExchangeRateService } from '../currencies';
import { MAX_REPORTED_ITEM_ERRORS, type Batch, type BatchWork, type ChunkOutcome } from '../domain/batch';
import { newLeaseHolder } from '../leases';
import type { Logger } from '../logging/logger';
import type { OperationalStore } from '../stores/operational';
import { decodeChunkItems } from './chunk-content';
import type { IngestEvents } from './ingest-events';
import { validatePriceItems } from './price-items';

export interface BatchWorkerOptions {
  /** A lease not renewed for this long lets another worker take the batch over. */
  readonly leaseTtlMs: number;
  /** How often an idle worker looks for committed batches and expires stale open ones. */
  readonly pollIntervalMs: number;
  /** Longest pause between retries after a failure (backoff doubles from 100 ms up to this). */
  readonly maxBackoffMs: number;
}

/** The chunk a worker is on. */
export interface ChunkInWork {
  readonly batchId: string;
  readonly chunkIndex: number;
}

/**
 * Runs the work of one chunk (read, check, write; `work`, exactly once) and answers what it answers:
 * the composition root points this at tracing, a span per chunk with the store calls inside it.
 */
export type ChunkWorkObserver = <T>(chunk: ChunkInWork, work: () => Promise<T>) => Promise<T>;

const unobserved: ChunkWorkObserver = (_chunk, work) => work();

/**
 * Processes committed chunked batches: claims one through a lease in the operational store, checks
 * and writes it chunk by chunk (each chunk's prices and progress in one fenced write that also renews
 * the lease), then settles it. Any number of workers in any process may run: the lease gives each
 * batch to one of them, and a worker that dies is replaced once its lease runs out, resuming at the
 * first chunk not yet written. Stale open batches are expired on the way.
 */
export class BatchWorker {
  private readonly holder = newLeaseHolder();
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: AbortController = new AbortController();

  constructor(
    private readonly operational: Pick<OperationalStore, 'batchWork' | 'chunkedBatches' | 'referenceData'>,
    private readonly exchangeRates: ExchangeRateService,
    /** Told what each settled batch came to and how many prices it recorded. */
    private readonly events: IngestEvents,
    private readonly log: Logger,
    private readonly options: BatchWorkerOptions,
    /** Wraps each chunk's work; without it, chunks just run. */
    private readonly observeChunk: ChunkWorkObserver = unobserved,
  ) {}

  start(): void {
    this.running ??= this.runUntilStopped();
  }

  /** Looks for work now instead of at the next poll (a batch was committed in this process). */
  poke(): void {
    this.wake.abort();
  }

  /**
   * Takes no new batch; the batch in hand is handed back after the chunk being written, so that
   * another worker (or this one's successor) resumes it at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.running;
  }

  private async runUntilStopped(): Promise<void> {
    let backoffMs = 100;
    let lastExpiryAt = 0;
    while (!this.stopping) {
      try {
        if (Date.now() - lastExpiryAt >= this.options.pollIntervalMs) {
          lastExpiryAt = Date.now();
          const expired = await this.operational.chunkedBatches.expireDue(new Date());
          if (expired.length > 0) this.log.info({ batchIds: expired }, 'expired open batches never committed');
        }
        const work = await this.operational.batchWork.claim(this.holder, this.options.leaseTtlMs, new Date());
        if (work) {
          await this.processOrHandBack(work);
        } else {
          await this.pause(this.options.pollIntervalMs);
        }
        backoffMs = 100;
      } catch (error) {
        this.log.error({ err: error, retryInMs: backoffMs }, 'batch work failed; retrying');
        await this.pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.options.maxBackoffMs);
      }
    }
  }

  /**
   * Any failure (the store, the exchange-rate provider) hands the batch back, progress kept, so that it
   * is resumed after the loop's backoff instead of after the lease runs out: the failure is not the
   * batch's fault, and nothing of the failed chunk was written.
   */
  private async processOrHandBack(work: BatchWork): Promise<void> {
    try {
      await this.process(work);
    } catch (error) {
      await this.operational.batchWork.handBack(work.batch.id, this.holder).catch(() => undefined);
      throw error;
    }
  }

  private async process(work: BatchWork): Promise<void> {
    const { batch } = work;
    const log = this.log.child({ batchId: batch.id });
    log.info(
      { chunks: batch.chunkCount, items: batch.itemCount, resumeAtChunk: work.processedChunks },
      'processing batch',
    );
    const knownPorts = new Set((await this.operational.referenceData.allPorts()).map((port) => port.code));
    const progress = { reported: batch.errors.length, errors: batch.errorCount, accepted: batch.acceptedCount };
    for (let index = work.processedChunks; index < batch.chunkCount; index += 1) {
      if (this.stopping) {
        await this.operational.batchWork.handBack(batch.id, this.holder);
        log.info({ nextChunk: index }, 'handed the batch back: shutting down');
        return;
      }
      const outcome = await this.observeChunk({ batchId: batch.id, chunkIndex: index }, () =>
        this.processAndRecordChunk(batch, index, knownPorts, progress),
      );
      if (!outcome) {
        log.warn({ chunk: index }, 'another worker took the batch over; leaving it');
        return;
      }
      progress.reported += outcome.reportedErrors.length;
      progress.errors += outcome.errorCount;
      progress.accepted += outcome.prices.length;
      // A chunk is one slice of synchronous work; requests served by this process go between slices.
      await yieldToEventLoop();
    }
    const counts = progress.accepted > 0 && (batch.skipInvalid || progress.errors === 0);
    const settled = await this.operational.batchWork.settle(
      batch.id,
      this.holder,
      counts ? 'ACCEPTED' : 'REJECTED',
      new Date(),
    );
    if (!settled) return;
    this.events.batchOutcome(settled.status === 'ACCEPTED' ? 'accepted' : 'rejected');
    this.events.pricesAccepted(settled.acceptedCount);
    log.info(
      { status: settled.status, accepted: settled.acceptedCount, rejected: settled.rejectedCount },
      'batch settled',
    );
  }

  /** Checks and records one chunk; undefined when another worker took the batch over (nothing written). */
  private async processAndRecordChunk(
    batch: Batch,
    index: number,
    knownPorts: ReadonlySet<string>,
    progress: { readonly reported: number; readonly errors: number },
  ): Promise<ChunkOutcome | undefined> {
    const outcome = await this.processChunk(batch, index, knownPorts, progress);
    const leaseUntil = new Date(Date.now() + this.options.leaseTtlMs);
    if (!outcome || !(await this.operational.batchWork.recordChunk(batch.id, this.holder, outcome, leaseUntil))) {
      return undefined;
    }
    return outcome;
  }

  /** Checks one chunk; prices are written only while the batch can still count (see the settle rule). */
  private async processChunk(
    batch: Batch,
    index: number,
    knownPorts: ReadonlySet<string>,
    progress: { readonly reported: number; readonly errors: number },
  ): Promise<ChunkOutcome | undefined> {
    const chunk = await this.operational.batchWork.chunk(batch.id, index);
    if (!chunk) return undefined;
    const items = decodeChunkItems(chunk.content);
    const rates = await this.exchangeRates.lookup(items);
    const { prices, errors } = validatePriceItems(items, knownPorts, rates, chunk.firstItemIndex);
    // Without skipInvalid one invalid item rejects the whole batch: writing more prices is wasted work.
    const stillCounts = batch.skipInvalid || progress.errors + errors.length === 0;
    return {
      chunkIndex: index,
      itemCount: items.length,
      prices: stillCounts ? prices : [],
      reportedErrors: errors.slice(0, Math.max(0, MAX_REPORTED_ITEM_ERRORS - progress.reported)),
      errorCount: errors.length,
    };
  }

  private async pause(ms: number): Promise<void> {
    if (this.stopping) return;
    await sleep(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
    if (!this.stopping) this.wake = new AbortController();
  }
}
