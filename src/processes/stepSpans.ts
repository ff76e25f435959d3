import type { Span } from '@opentelemetry/api';
import type { StoredEvent } from '../eventstore/eventStore.js';
import { contextOf, startSpan, traceparentOf } from '../observability/tracing.js';

/** The traceparent of each trigger's span, while withStepSpans runs. */
const traceparents = new WeakMap<StoredEvent, string | undefined>();

/**
 * Runs `work` with one span per trigger a process handles in a batch, each continuing the trace of
 * the command that wrote its trigger (its metadata's traceparent), so an order's trace goes on
 * through the process's steps although a batch serves many orders. Nothing while tracing is off.
 */
export async function withStepSpans<T>(process: string, triggers: readonly StoredEvent[], work: () => Promise<T>): Promise<T> {
  const started: Span[] = [];
  for (const trigger of triggers) {
    const span = startSpan(`${process} ${trigger.type}`, contextOf(trigger.metadata.traceparent), {
      'orderstream.stream_id': trigger.streamId,
      'orderstream.position': trigger.position,
    });
    if (!span) continue;
    traceparents.set(trigger, traceparentOf(span));
    started.push(span);
  }
  try {
    return await work();
  } finally {
    for (const span of started) span.end();
  }
}

/** What a step's commands and events carry: the traceparent of its trigger's span, if traced. */
export function stepTraceparent(trigger: StoredEvent): string | undefined {
  return traceparents.get(trigger);
}
