import type { StoredEvent } from '../eventStore.js';

/** An event's type and the version of its data's shape. */
export type EventSchema = { type: string; schemaVersion: number };

/**
 * Turns one stored shape of an event into the next: `from` into `to`, never skipping a declared
 * step. Upcasters are pure and see the whole envelope, since old shapes often left out what the
 * envelope knows (the stream id, the time). They throw on data they cannot read.
 */
export type Upcaster = {
  from: EventSchema;
  to: EventSchema;
  upcast(event: StoredEvent): unknown;
};
