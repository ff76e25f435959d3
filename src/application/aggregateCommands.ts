import type { EventStore } from '../eventstore/eventStore.js';
import { eventSchemas } from './eventSchemas.js';
import { type Aggregate, type CommandMetadata, type CommandResult, handleCommand, type HandleCommandOptions } from './handleCommand.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';
import { UnitOfWork } from './unitOfWork.js';

/** What a command observer is told once a command has been answered. */
export type CommandObservation = {
  /** The command's type, e.g. `PlaceOrder`. */
  command: string;
  durationSeconds: number;
  /** What it threw (a refusal or a failure); undefined when it succeeded. */
  error?: unknown;
  /** The events it appended: none when it failed, wrote nothing, or was a replayed retry. */
  appended: readonly { type: string }[];
};

/**
 * Told of every command run through `execute`, whoever sent it (a resolver, a process), e.g. to
 * count it in metrics. It must not throw: an error from it would become the command's answer.
 */
export type CommandObserver = (observation: CommandObservation) => void;

/** Runs one aggregate type's commands against the event log, each on the stream it names. */
export class AggregateCommands<State, Command extends { type: string }, Event extends { type: string; data: unknown }> {
  private readonly aggregate: Aggregate<State, Command, Event>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    definition: Omit<Aggregate<State, Command, Event>, 'schemaVersionOf' | 'snapshots'>,
    private readonly streamIdOf: (command: Command) => string,
    snapshots?: SnapshotPolicy,
    private readonly observe?: CommandObserver,
  ) {
    this.aggregate = { ...definition, schemaVersionOf: (type) => eventSchemas.currentVersion(type), snapshots };
  }

  execute(command: Command, metadata: CommandMetadata, options: HandleCommandOptions<State> = {}): Promise<CommandResult<Event>> {
    const running = this.executeObserved(command, metadata, options);
    this.inFlight.add(running);
    const done = () => void this.inFlight.delete(running);
    running.then(done, done);
    return running;
  }

  /**
   * Opens a unit of work over these streams: many keyed commands decided in memory, one append per
   * stream (see UnitOfWork). Its commands are observed like any other.
   */
  unitOfWork(streamIds: Iterable<string>, idempotencyKeys: readonly string[]): Promise<UnitOfWork<State, Command, Event>> {
    return UnitOfWork.open(this.store, this.aggregate, streamIds, idempotencyKeys, this.observe);
  }

  /** Whether a command with this idempotency key is in the log already (a retry would answer as it did). */
  async isRecorded(idempotencyKey: string): Promise<boolean> {
    return (await this.store.findCommand(idempotencyKey)) !== undefined;
  }

  /**
   * Resolves once the commands running now have finished, whether they succeeded or failed (their
   * callers see the outcome). Shutdown waits for it before closing the log, so a command a client
   * sent just before (e.g. over a WebSocket that is now closed) is not cut off halfway.
   */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async executeObserved(
    command: Command,
    metadata: CommandMetadata,
    options: HandleCommandOptions<State>,
  ): Promise<CommandResult<Event>> {
    if (!this.observe) return handleCommand(this.store, this.aggregate, this.streamIdOf(command), command, metadata, options);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let result: CommandResult<Event>;
    try {
      result = await handleCommand(this.store, this.aggregate, this.streamIdOf(command), command, metadata, options);
    } catch (error) {
      this.observe({ command: command.type, durationSeconds: seconds(), error, appended: [] });
      throw error;
    }
    this.observe({ command: command.type, durationSeconds: seconds(), appended: result.replayed ? [] : result.events });
    return result;
  }
}
