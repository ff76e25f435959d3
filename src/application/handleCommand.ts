import { randomUUID } from 'node:crypto';
import type { Decider } from '../domain/decider.js';
import { ExpectedVersionConflictError } from '../eventstore/errors.js';
import type { EventMetadata, EventStore, NewEvent } from '../eventstore/eventStore.js';

/** Who sent a command and in which conversation: becomes every event's metadata. */
export type CommandMetadata = {
  userId: string;
  correlationId: string;
  /** Defaults to a new uuid; also the events' causationId unless one is given. */
  commandId?: string;
  causationId?: string;
  /** ISO 8601; defaults to the handling time. */
  occurredAt?: string;
};

export type HandleCommandOptions = {
  /** The version the client last saw. When set, a mismatch is a CONFLICT and nothing is retried. */
  expectedVersion?: number;
  /** Attempts when another writer got in between load and append (only without expectedVersion). */
  maxAttempts?: number;
};

export type CommandResult<Event> = {
  events: Event[];
  nextVersion: number;
  lastPosition: number;
};

/** Current schema version of every event type the application writes today. */
const SCHEMA_VERSION = 1;
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Runs one command against one stream: load, decide, append with the version read.
 * Domain errors from `decide` propagate untouched, and nothing is written.
 */
export async function handleCommand<State, Command, Event extends { type: string; data: unknown }>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  stream: { streamId: string; streamType: string },
  command: Command,
  metadata: CommandMetadata,
  options: HandleCommandOptions = {},
): Promise<CommandResult<Event>> {
  const commandId = metadata.commandId ?? randomUUID();
  const eventMetadata: EventMetadata = {
    userId: metadata.userId,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId ?? commandId,
    commandId,
    occurredAt: metadata.occurredAt ?? new Date().toISOString(),
  };
  const maxAttempts = options.expectedVersion === undefined ? (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) : 1;

  for (let attempt = 1; ; attempt++) {
    // 1. Load: fold the stream's events into the current state.
    const history = await store.readStream(stream.streamId);
    const state = history.reduce((current, event) => decider.evolve(current, event as unknown as Event), decider.initialState());
    const currentVersion = history.at(-1)?.version ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== currentVersion) {
      throw new ExpectedVersionConflictError(stream.streamId, options.expectedVersion, currentVersion);
    }

    // 2. Decide: pure, throws on a broken rule. Nothing to record is a success that writes nothing.
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, nextVersion: currentVersion, lastPosition: 0 };

    // 3. Append with the version read, so a writer that got in between is detected.
    const newEvents: NewEvent[] = events.map((event) => ({
      eventId: randomUUID(),
      type: event.type,
      schemaVersion: SCHEMA_VERSION,
      data: event.data,
      metadata: eventMetadata,
    }));
    try {
      const result = await store.append(stream.streamId, stream.streamType, newEvents, {
        expectedVersion: currentVersion === 0 ? 'no_stream' : currentVersion,
      });
      return { events, ...result };
    } catch (error) {
      // 4. Lost a race: reload and decide again on the newer state.
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxAttempts) throw error;
    }
  }
}
