import { timeOrderedId } from '../eventstore/timeOrderedId.js';
import type { Decider } from '../domain/decider.js';
import { ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../eventstore/errors.js';
import type { EventMetadata, EventStore, NewEvent, RecordedCommand, StoredEvent } from '../eventstore/eventStore.js';
import { contextOf, inSpan, traceparentOf } from '../observability/tracing.js';
import { tracedAppend } from './tracedAppend.js';
import { loadAggregate, saveSnapshotIfDue } from './snapshots/loadAggregate.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';

/** What the command handler needs to know of an aggregate type. */
export type Aggregate<State, Command, Event> = {
  streamType: string;
  decider: Decider<State, Command, Event>;
  /** The schema version new events of a type are written with. */
  schemaVersionOf: (eventType: string) => number;
  /** Without a policy every load reads the whole stream. */
  snapshots?: SnapshotPolicy;
};

/** Who sent a command and in which conversation: becomes every event's metadata. */
export type CommandMetadata = {
  userId: string;
  correlationId: string;
  /** Defaults to a new uuid; also the events' causationId unless one is given. */
  commandId?: string;
  causationId?: string;
  /** ISO 8601; defaults to the handling time. */
  occurredAt?: string;
  /** The trace the command continues (a process step's span); else the active span's (tracing.ts). */
  traceparent?: string;
};

export type HandleCommandOptions<State = never> = {
  /** The version the client last saw. When set, a mismatch is a CONFLICT and nothing is retried. */
  expectedVersion?: number;
  /** Attempts when another writer got in between load and append (only without expectedVersion). */
  maxAttempts?: number;
  /**
   * The idempotency key (it becomes the commandId) and a fingerprint of who sent what. A command
   * whose key is stored already is not run again: its original result comes back. `commandId`, when
   * set, is the key as the client named it (before scoping), for the message of a reused key.
   */
  idempotency?: { key: string; fingerprint: string; commandId?: string };
  /**
   * Checks the caller may act on the aggregate as it is now (e.g. owns the order), after the load and
   * before the decision, so the check and the append see the same version. Throws to refuse.
   */
  authorize?: (state: State) => void;
  /**
   * The stream's id was made for this command just now (a new time-ordered id), so no writer can have
   * written to it: nothing is loaded. The append still requires that the stream does not exist.
   */
  newStream?: boolean;
};

export type CommandResult<Event> = {
  events: Event[];
  streamId: string;
  nextVersion: number;
  lastPosition: number;
  /** True when the idempotency key's command had run already and this is its original result. */
  replayed: boolean;
  /**
   * The events as this command stored them (positions, versions, metadata), when it appended them:
   * what a reader of the log would get, for an answer that needs no read.
   */
  stored?: StoredEvent[];
};

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Runs one command against one stream: load, decide, append with the version read.
 * Domain errors from `decide` propagate untouched, and nothing is written.
 */
export async function handleCommand<State, Command, Event extends { type: string; data: unknown }>(
  store: EventStore,
  aggregate: Aggregate<State, Command, Event>,
  streamId: string,
  command: Command,
  metadata: CommandMetadata,
  options: HandleCommandOptions<State> = {},
): Promise<CommandResult<Event>> {
  try {
    const type = (command as { type?: unknown }).type;
    return await inSpan(`command ${String(type)}`, () => loadDecideAppend(store, aggregate, streamId, command, metadata, options), {
      parent: metadata.traceparent === undefined ? undefined : contextOf(metadata.traceparent),
      attributes: { 'orderstream.stream_id': streamId },
    });
  } catch (error) {
    // The client knows its key as it sent it, not as scoped in the log.
    const named = options.idempotency?.commandId;
    if (error instanceof IdempotencyKeyReusedError && named !== undefined) throw new IdempotencyKeyReusedError(named);
    throw error;
  }
}

async function loadDecideAppend<State, Command, Event extends { type: string; data: unknown }>(
  store: EventStore,
  aggregate: Aggregate<State, Command, Event>,
  streamId: string,
  command: Command,
  metadata: CommandMetadata,
  options: HandleCommandOptions<State>,
): Promise<CommandResult<Event>> {
  const { idempotency } = options;
  if (idempotency) {
    const recorded = (await store.findCommand(idempotency.key)) ?? (await recordedUnscoped(store, idempotency));
    if (recorded) return replay<Event>(store, recorded, idempotency);
  }
  const commandId = idempotency?.key ?? metadata.commandId ?? timeOrderedId();
  const eventMetadata: EventMetadata = {
    userId: metadata.userId,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId ?? commandId,
    commandId,
    ...(idempotency && { commandFingerprint: idempotency.fingerprint }),
    occurredAt: metadata.occurredAt ?? new Date().toISOString(),
  };
  // Whatever reacts to these events continues the command's trace (only while tracing is on).
  const traceparent = traceparentOf();
  if (traceparent !== undefined) eventMetadata.traceparent = traceparent;
  const maxAttempts = options.expectedVersion === undefined ? (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) : 1;
  const { decider } = aggregate;

  for (let attempt = 1; ; attempt++) {
    // 1. Load: the latest snapshot, if any, and the events after it (a stream lost to a race is loaded).
    const loaded =
      options.newStream && attempt === 1
        ? { state: decider.initialState(), version: 0, eventsSinceSnapshot: 0 }
        : await loadAggregate(store, decider, streamId, aggregate.snapshots);
    options.authorize?.(loaded.state);
    if (options.expectedVersion !== undefined && options.expectedVersion !== loaded.version) {
      throw new ExpectedVersionConflictError(streamId, options.expectedVersion, loaded.version);
    }

    // 2. Decide: pure, throws on a broken rule. Nothing to record is a success that writes nothing.
    const events = decider.decide(command, loaded.state);
    if (events.length === 0) {
      // A long fold (no snapshot yet after an import, or of an older state shape) is not done again.
      await saveSnapshotIfDue(aggregate.snapshots, streamId, loaded.state, loaded.version, loaded.eventsSinceSnapshot);
      return { events, streamId, nextVersion: loaded.version, lastPosition: 0, replayed: false };
    }

    // 3. Append with the version read, so a writer that got in between is detected.
    const newEvents: NewEvent[] = events.map((event) => ({
      eventId: timeOrderedId(),
      type: event.type,
      schemaVersion: aggregate.schemaVersionOf(event.type),
      data: event.data,
      metadata: eventMetadata,
    }));
    try {
      const result = await tracedAppend(store, streamId, aggregate.streamType, newEvents, {
        expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
        idempotencyKey: idempotency?.key,
      });
      // 4. A concurrent retry of the same command got in first: answer with its events.
      if (result.replayed) return replay<Event>(store, (await store.findCommand(commandId))!, idempotency!);
      if (aggregate.snapshots) {
        const stateAfter = events.reduce(decider.evolve, loaded.state);
        await saveSnapshotIfDue(aggregate.snapshots, streamId, stateAfter, result.nextVersion, loaded.eventsSinceSnapshot + events.length);
      }
      // One append's events take consecutive positions and versions.
      const stored = newEvents.map((event, index) => ({
        ...event,
        streamId,
        streamType: aggregate.streamType,
        position: result.lastPosition - newEvents.length + 1 + index,
        version: result.nextVersion - newEvents.length + 1 + index,
      }));
      return { events, streamId, nextVersion: result.nextVersion, lastPosition: result.lastPosition, replayed: false, stored };
    } catch (error) {
      // 5. Lost a race: reload and decide again on the newer state. A random wait that grows with
      // each loss keeps writers in other processes, racing for the same stream, from losing in step.
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt));
    }
  }
}

/**
 * A client's command recorded before keys were scoped (its key was the bare commandId): a retry that
 * crosses the upgrade still answers as the original. Only the same fingerprint counts, which names
 * the user, so another user's bare key is never taken for this one's.
 */
async function recordedUnscoped(
  store: EventStore,
  { key, commandId, fingerprint }: { key: string; commandId?: string; fingerprint: string },
) {
  if (commandId === undefined || commandId === key) return undefined;
  const recorded = await store.findCommand(commandId);
  return recorded?.fingerprint === fingerprint ? recorded : undefined;
}

/**
 * The original result of a command that ran already, read back from the log. Only the fingerprint
 * must match: a retried placeOrder without an order id would pick a new id, and a new stream.
 */
async function replay<Event>(
  store: EventStore,
  recorded: RecordedCommand,
  idempotency: { key: string; fingerprint: string },
): Promise<CommandResult<Event>> {
  if (recorded.fingerprint !== idempotency.fingerprint) {
    throw new IdempotencyKeyReusedError(idempotency.key);
  }
  const stored = await store.readStream(recorded.streamId, { fromVersion: recorded.firstVersion });
  const events = stored
    .filter((event) => event.version <= recorded.lastVersion)
    .map((event) => ({ type: event.type, data: event.data }) as Event);
  return {
    events,
    streamId: recorded.streamId,
    nextVersion: recorded.lastVersion,
    lastPosition: recorded.lastPosition,
    replayed: true,
  };
}
