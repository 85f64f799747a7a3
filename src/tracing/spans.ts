import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/** How a span is started: its name, kind, attributes and parent. */
export interface SpanStart {
  readonly name: string;
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** The active context when omitted; `ROOT_CONTEXT` starts a trace of its own. */
  readonly parent?: Context;
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `run` as the active span's child context, synchronous or not: the span ends when `run` returns,
 * or when the promise it returns settles; a throw or a rejection marks it failed and passes on.
 */
export function withSpan<R>(tracer: Tracer, start: SpanStart, run: (span: Span) => R): R {
  const parent = start.parent ?? context.active();
  const span = tracer.startSpan(
    start.name,
    { kind: start.kind ?? SpanKind.INTERNAL, attributes: start.attributes },
    parent,
  );
  let result: R;
  try {
    result = context.with(trace.setSpan(parent, span), run, undefined, span);
  } catch (error) {
    failed(span, error);
    span.end();
    throw error;
  }
  if (!(result instanceof Promise)) {
    span.end();
    return result;
  }
  return result.then(
    (value: unknown) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failed(span, error);
      span.end();
      throw error;
    },
  ) as R;
}

/** A new trace for a piece of background work (a replicator write, a worker's chunk). */
export function inRootSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  run: (span: Span) => Promise<T>,
): Promise<T> {
  return withSpan(tracer, { name, attributes, parent: ROOT_CONTEXT }, run);
}

/**
 * `target` with each method call a span named `${name}.${method}`, when a span is active: a call outside
 * any trace (a readiness ping, a worker's poll, a metrics scrape) runs as it is and records nothing.
 * Methods run on the target itself, so calls between its own methods are not traced twice.
 */
export function traceMethods<T extends object>(tracer: Tracer, target: T, name: string, kind = SpanKind.INTERNAL): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function' || key === 'constructor' || typeof key === 'symbol') return value;
      const method = value as (...args: unknown[]) => unknown;
      const spanName = `${name}.${key}`;
      return (...args: unknown[]): unknown =>
        trace.getSpan(context.active())
          ? withSpan(tracer, { name: spanName, kind }, () => method.apply(object, args))
          : method.apply(object, args);
    },
  });
}
