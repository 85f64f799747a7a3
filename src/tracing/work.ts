import type { Tracer } from '@opentelemetry/api';
import type { ChunkWorkObserver } from '../ingest';
import type { ReplicaWriteObserver } from '../replication';
import type { RatelineServices } from '../services';
import { inRootSpan, traceMethods } from './spans';

/** Each replicator write as a trace of its own: `replication.flush` or `replication.large-batch`. */
export function replicaWriteSpans(tracer: Tracer): ReplicaWriteObserver {
  return (kind, write) =>
    inRootSpan(tracer, `replication.${kind}`, {}, async (span) => {
      const written = await write();
      span.setAttributes({
        'rateline.replication.changes': written.changes,
        'rateline.replication.prices': written.prices,
      });
      return written;
    });
}

/** Each chunk a batch worker processes as a trace of its own: `batch-worker.chunk`. */
export function chunkSpans(tracer: Tracer): ChunkWorkObserver {
  return (chunk, work) =>
    inRootSpan(
      tracer,
      'batch-worker.chunk',
      { 'rateline.batch.id': chunk.batchId, 'rateline.batch.chunk_index': chunk.chunkIndex },
      () => work(),
    );
}

/** The services with each call a span (`RatesService.ratesInCurrency`, …) inside the active trace. */
export function traceServices(services: RatelineServices, tracer: Tracer): RatelineServices {
  const service = <T extends object>(target: T): T => traceMethods(tracer, target, target.constructor.name);
  return {
    locations: service(services.locations),
    rates: service(services.rates),
    analysis: service(services.analysis),
    batches: service(services.batches),
    ingest: service(services.ingest),
    replication: service(services.replication),
    exchangeRates: service(services.exchangeRates),
  };
}
