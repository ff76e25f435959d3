import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';

/**
 * Something that reacts to events with effects outside the read models: commands (a process
 * manager) or messages to other services (a publisher). It is fed like a projection, by global
 * position from its own checkpoint, but its effects are not rebuilt. Handling must be safe to run
 * again for the same event (after a crash before the checkpoint): derive every command's
 * idempotency key, or every message's id, from the event id.
 */
export type ProcessDefinition = {
  name: string;
  /** The event types it reacts to ('all' for every one); the others only move its checkpoint. */
  handles: readonly string[] | 'all';
  /**
   * Handles the events of one batch, in position order, and resolves once all of them are done.
   * Business refusals of the commands it sends are outcomes it deals with; anything it throws stops
   * it at the first event of the batch.
   */
  handle(events: readonly StoredEvent[]): Promise<void>;
  /** When set, a stopped process retries by itself after this delay, doubling up to `maxMs`. */
  retryBackoff?: { initialMs: number; maxMs: number };
  /**
   * Events per batch (default 200; 1 when it has a `parkKey`): the checkpoint is saved after each, so
   * a crash hands a whole batch over again.
   */
  batchSize?: number;
  /**
   * The unit of work an event belongs to (e.g. `order:<id>`). When set, an event it cannot handle
   * is parked under its key instead of stopping the process (a batch that fails is handled again one
   * event at a time, to find which): later events of the same key are parked behind it (their order
   * matters), every other key goes on, and an admin's retry handles the parked ones again in order. Storage faults still
   * stop and retry, as for any process.
   */
  parkKey?: (event: StoredEvent) => string;
  /**
   * Where to start when it has no checkpoint yet (a new instance beside a shared log, a log just
   * imported), rather than at the beginning: a position before which the log shows its work done.
   */
  startingPosition?: (store: EventStore) => Promise<number>;
  /**
   * Runs on every instance sharing a log, not only on the one leading it: for a process whose state
   * lives in the instance's own file (payment expiry's unpaid orders and their timers), which every
   * instance must keep to take over. Its commands' idempotency keys make the second one a no-op.
   */
  everyInstance?: boolean;
  /**
   * Reads the log at most this often (ms) when woken by appends, for a process that needs no
   * answer within the append's round trip (payment deadlines are minutes away): every append woke
   * a read of the log, on every instance for one that runs on all. Unset: on every wake-up.
   */
  readAtMostEveryMs?: number;
};
