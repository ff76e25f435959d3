import { tracedAppend } from './tracedAppend.js';
import { timeOrderedId } from '../eventstore/timeOrderedId.js';
import type { EventMetadata, EventStore, NewEvent, RecordedOutcome } from '../eventstore/eventStore.js';
import type { CommandObserver } from './aggregateCommands.js';
import type { Aggregate } from './handleCommand.js';
import { type LoadedAggregate, loadAggregate, saveSnapshotIfDue } from './snapshots/loadAggregate.js';

/** One command of a unit: the stream it acts on, and who sent it under which idempotency key. */
export type UnitCommand<Command> = {
  streamId: string;
  command: Command;
  /** Becomes the events' metadata; `commandId` is the idempotency key. */
  metadata: EventMetadata & { commandFingerprint: string };
};

/** What a command of the unit decided: its events' types, or those of the time it ran already. */
export type UnitOutcome = { eventTypes: readonly string[]; recorded: boolean };

/** A command as the observer is told of it: what it appended, or what refused it. */
type Decided = { type: string; events: { type: string }[]; error?: unknown };

type OpenStream<State> = { loaded: LoadedAggregate<State>; state: State; pending: NewEvent[]; commands: Decided[] };

/**
 * Many commands on many streams of one aggregate type, decided in memory in the order given (each
 * on the state the earlier ones left) and appended with one append per stream, all in the same
 * group commit: what a process needs to handle a batch of triggers at the cost of one command per
 * stream rather than one per trigger.
 *
 * Exactly once, as a single command is: every command carries an idempotency key, looked up (all
 * at once) after its stream was loaded. A key recorded already answers with what it decided then,
 * and decides nothing. A key appended by another writer after the load changed the stream's
 * version, so `commit` fails with ExpectedVersionConflictError and the caller runs the unit again
 * (whatever was appended meanwhile is then found by its key).
 */
export class UnitOfWork<State, Command extends { type: string }, Event extends { type: string; data: unknown }> {
  private constructor(
    private readonly store: EventStore,
    private readonly aggregate: Aggregate<State, Command, Event>,
    private readonly streams: Map<string, OpenStream<State>>,
    private readonly recorded: Map<string, RecordedOutcome>,
    private readonly observe?: CommandObserver,
  ) {}

  static async open<State, Command extends { type: string }, Event extends { type: string; data: unknown }>(
    store: EventStore,
    aggregate: Aggregate<State, Command, Event>,
    streamIds: Iterable<string>,
    idempotencyKeys: readonly string[],
    observe?: CommandObserver,
  ): Promise<UnitOfWork<State, Command, Event>> {
    const streams = new Map<string, OpenStream<State>>();
    for (const streamId of new Set(streamIds)) {
      const loaded = await loadAggregate(store, aggregate.decider, streamId, aggregate.snapshots);
      streams.set(streamId, { loaded, state: loaded.state, pending: [], commands: [] });
    }
    // After the loads: a key appended since is caught by the version check of the append.
    const recorded = await store.findCommands(idempotencyKeys);
    return new UnitOfWork(store, aggregate, streams, recorded, observe);
  }

  /** The stream's state with what the unit decided so far. */
  stateOf(streamId: string): State {
    return this.stream(streamId).state;
  }

  /** Decides one command (a domain error propagates and records nothing); appended only by `commit`. */
  decide({ streamId, command, metadata }: UnitCommand<Command>): UnitOutcome {
    const recorded = this.recorded.get(metadata.commandId);
    if (recorded) return { eventTypes: recorded.eventTypes, recorded: true };
    const stream = this.stream(streamId);
    let events: Event[];
    try {
      events = this.aggregate.decider.decide(command, stream.state);
    } catch (error) {
      stream.commands.push({ type: command.type, events: [], error });
      throw error;
    }
    stream.state = events.reduce(this.aggregate.decider.evolve, stream.state);
    stream.pending.push(
      ...events.map((event) => ({
        eventId: timeOrderedId(),
        type: event.type,
        schemaVersion: this.aggregate.schemaVersionOf(event.type),
        data: event.data,
        metadata,
      })),
    );
    stream.commands.push({ type: command.type, events });
    return { eventTypes: events.map((event) => event.type), recorded: false };
  }

  /**
   * Appends every stream's new events (one append each, at the version loaded), then saves due
   * snapshots; then tells the observer of every command decided, refusals included.
   */
  async commit(): Promise<void> {
    const started = process.hrtime.bigint();
    await Promise.all(
      [...this.streams].map(async ([streamId, stream]) => {
        const { loaded, pending } = stream;
        // Nothing to append: still a snapshot after a long fold (none yet after an import), not to fold it again.
        if (pending.length === 0)
          return saveSnapshotIfDue(this.aggregate.snapshots, streamId, stream.state, loaded.version, loaded.eventsSinceSnapshot);
        const result = await tracedAppend(this.store, streamId, this.aggregate.streamType, pending, {
          expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
        });
        await saveSnapshotIfDue(
          this.aggregate.snapshots,
          streamId,
          stream.state,
          result.nextVersion,
          loaded.eventsSinceSnapshot + pending.length,
        );
      }),
    );
    if (!this.observe) return;
    const commands = [...this.streams.values()].flatMap((stream) => stream.commands);
    const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9 / Math.max(1, commands.length);
    for (const { type, events, error } of commands)
      this.observe({ command: type, durationSeconds, appended: events, ...(error !== undefined && { error }) });
  }

  private stream(streamId: string): OpenStream<State> {
    const stream = this.streams.get(streamId);
    if (!stream) throw new Error(`Stream ${streamId} was not loaded by this unit of work`);
    return stream;
  }
}
