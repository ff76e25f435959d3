import type { StoredEvent } from '../eventstore/eventStore.js';

/**
 * Something that reacts to events by sending commands (a process manager). It is fed like a
 * projection, by global position from its own checkpoint, but its effects are commands, so it is
 * never rebuilt. `handle` must be safe to run again for the same event (after a crash between its
 * commands and the checkpoint): derive every command's idempotency key from the event id.
 */
export type ProcessDefinition = {
  name: string;
  /** The event types it reacts to; the others only move its checkpoint. */
  handles: readonly string[];
  /** Business refusals of the commands it sends are outcomes it deals with; anything it throws stops it. */
  handle(event: StoredEvent): Promise<void>;
};
