import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config';

/** The service name of each Rateline process (`OTEL_SERVICE_NAME` replaces it). */
export type RatelineProcess = 'rateline-api' | 'rateline-replicator' | 'rateline-worker';

/** A process's tracer and the way to send what it still holds before the process exits. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Exports the spans not yet sent, then stops. */
  shutdown(): Promise<void>;
}

/**
 * A tracer provider whose spans go to `processor`, registered for the process: its AsyncLocalStorage
 * context manager is what makes a store call a child of the operation it serves, and its W3C
 * propagator reads a caller's `traceparent`.
 */
export function createTracing(serviceName: string, processor: SpanProcessor): Tracing {
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    spanProcessors: [processor],
  });
  provider.register();
  return { tracer: provider.getTracer('rateline'), shutdown: () => provider.shutdown() };
}

/**
 * Traces exported over OTLP/HTTP (JSON bodies, batched in the background) when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; undefined otherwise, and then nothing is wrapped or recorded.
 */
export function startTracing(config: TracingConfig, process: RatelineProcess): Tracing | undefined {
  if (!config.otlpEndpoint) return undefined;
  // The endpoint variable names the collector's base; the spec appends the signal's path to it.
  const exporter = new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` });
  return createTracing(config.serviceName ?? process, new BatchSpanProcessor(exporter));
}
