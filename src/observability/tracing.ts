import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, opt in. Off (the default), every helper here does nothing and costs a
 * function call: no spans, no traceparent in event metadata, no NATS header. On (startTracing, when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set), spans cover an HTTP or WebSocket operation, each command and
 * its append, each read-model batch, each step of the order process and each NATS publish; the
 * W3C traceparent of the span that wrote an event is stored in its metadata, so whatever reacts to
 * the event later (the order process, the NATS publisher, a downstream service) continues the trace.
 */
export type TracingOptions = {
  /** Where spans go: an OTLP/HTTP collector (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318). */
  endpoint?: string;
  /** Instead of an endpoint: an exporter (tests use the SDK's InMemorySpanExporter), spans sent one by one. */
  exporter?: SpanExporter;
  serviceName?: string;
};

let tracer: Tracer | undefined;
let contextReady = false;

/** Starts tracing for this process; `stop` flushes what is buffered and turns it off again. */
export function startTracing(options: TracingOptions): { stop(): Promise<void> } {
  if (!contextReady) {
    // Once per process: the active span follows async calls, and traceparent is the wire format.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextReady = true;
  }
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint!) }));
  const provider = new NodeTracerProvider({
    spanProcessors: [processor],
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'orderstream' }),
  });
  tracer = provider.getTracer('orderstream');
  return {
    async stop() {
      tracer = undefined;
      await provider.shutdown();
    },
  };
}

/** Whether spans are being recorded. */
export function tracing(): boolean {
  return tracer !== undefined;
}

/** The OTLP/HTTP traces URL of a collector's base endpoint, as the OTel specification derives it. */
function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Runs `work` in a span named `name`, the active span meanwhile: its child spans and the events it
 * appends point to it. Under `parent` when given (an event's or a request's traceparent), else under
 * the active span. Errors are recorded on the span and thrown on.
 */
export async function inSpan<T>(
  name: string,
  work: (span: Span | undefined) => Promise<T>,
  { parent, attributes, kind, links }: { parent?: Context; attributes?: Attributes; kind?: SpanKind; links?: Link[] } = {},
): Promise<T> {
  if (!tracer) return work(undefined);
  return tracer.startActiveSpan(name, { attributes, kind, links }, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span that is not made active (for one of several things a batch does at once); ended by the caller. */
export function startSpan(name: string, parent: Context, attributes?: Attributes): Span | undefined {
  return tracer?.startSpan(name, { attributes }, parent);
}

/** The traceparent of the active span, or of `span`; undefined while tracing is off or none is active. */
export function traceparentOf(span?: Span): string | undefined {
  if (!tracer) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(context.active(), span) : context.active(), carrier);
  return carrier.traceparent;
}

/** The context a traceparent (from a request, a message or an event's metadata) continues; the root when there is none. */
export function contextOf(traceparent: unknown): Context {
  if (!tracer || typeof traceparent !== 'string') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * A span for a batch of the log's events (a read-model batch): a root of its own, linked to the spans
 * that wrote its events, since one batch serves many traces. Ended by the caller.
 */
export function startBatchSpan(
  name: string,
  events: readonly { position: number; metadata: { traceparent?: string } }[],
  attributes: Attributes = {},
): Span | undefined {
  if (!tracer || events.length === 0) return undefined;
  return tracer.startSpan(
    name,
    {
      attributes: { 'orderstream.from_position': events[0]!.position, 'orderstream.to_position': events.at(-1)!.position, ...attributes },
      links: linksTo(events.map((event) => event.metadata.traceparent)),
    },
    ROOT_CONTEXT,
  );
}

/** Links from a batch's span to the spans that wrote its events (at most `max`, the first ones). */
function linksTo(traceparents: Iterable<string | undefined>, max = 64): Link[] {
  if (!tracer) return [];
  const links: Link[] = [];
  for (const traceparent of traceparents) {
    if (links.length >= max) break;
    const spanContext = trace.getSpanContext(contextOf(traceparent));
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

export { SpanKind };
