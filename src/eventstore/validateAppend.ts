import { DuplicateEventError } from './errors.js';
import type { AppendOptions, NewEvent } from './eventStore.js';

/** Refuses, before any I/O, what no store may write as one append (see EventStore.append). */
export function validateAppend(events: readonly NewEvent[], { idempotencyKey }: Partial<AppendOptions> = {}): void {
  if (events.length === 0) throw new TypeError('An append needs at least one event');
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.eventId)) throw new DuplicateEventError(event.eventId, 'appears twice in one append');
    seen.add(event.eventId);
    if (event.data === undefined) throw new TypeError(`Event ${event.eventId} (${event.type}) has no data`);
    if (idempotencyKey !== undefined && event.metadata.commandId !== idempotencyKey) {
      throw new TypeError(`Event ${event.eventId} has commandId ${event.metadata.commandId}, not the idempotency key`);
    }
  }
}
