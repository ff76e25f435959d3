import type { StoredEvent } from '../eventStore.js';

/**
 * A stored event this server cannot read: a type it does not know, a schema version without an
 * upcaster, or old data an upcaster refuses. Readers stop here rather than skip a fact.
 */
export class UnreadableEventError extends Error {
  readonly position: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly schemaVersion: number;

  constructor(event: Pick<StoredEvent, 'position' | 'eventId' | 'type' | 'schemaVersion'>, reason: string) {
    super(`Event at position ${event.position} (${event.type} v${event.schemaVersion}) cannot be read: ${reason}`);
    this.name = 'UnreadableEventError';
    this.position = event.position;
    this.eventId = event.eventId;
    this.eventType = event.type;
    this.schemaVersion = event.schemaVersion;
  }
}
