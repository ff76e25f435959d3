import type { EventStore } from '../eventstore/eventStore.js';
import { eventSchemas } from './eventSchemas.js';
import { type Aggregate, type CommandMetadata, type CommandResult, handleCommand, type HandleCommandOptions } from './handleCommand.js';
import type { SnapshotPolicy } from './snapshots/loadAggregate.js';

/** Runs one aggregate type's commands against the event log, each on the stream it names. */
export class AggregateCommands<State, Command, Event extends { type: string; data: unknown }> {
  private readonly aggregate: Aggregate<State, Command, Event>;

  constructor(
    private readonly store: EventStore,
    definition: Omit<Aggregate<State, Command, Event>, 'schemaVersionOf' | 'snapshots'>,
    private readonly streamIdOf: (command: Command) => string,
    snapshots?: SnapshotPolicy,
  ) {
    this.aggregate = { ...definition, schemaVersionOf: (type) => eventSchemas.currentVersion(type), snapshots };
  }

  execute(command: Command, metadata: CommandMetadata, options: HandleCommandOptions<State> = {}): Promise<CommandResult<Event>> {
    return handleCommand(this.store, this.aggregate, this.streamIdOf(command), command, metadata, options);
  }
}
