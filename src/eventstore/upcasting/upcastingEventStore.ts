import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedCommand,
  RecordedOutcome,
  StoredEvent,
} from '../eventStore.js';
import type { EventSchemaRegistry } from './eventSchemaRegistry.js';

/**
 * The event store as every reader should see it: each event upcast to its current shape. Writes
 * pass through untouched; a `types` filter also matches the older names of those types.
 */
export class UpcastingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly schemas: EventSchemaRegistry,
  ) {}

  append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.inner.append(streamId, streamType, events, options);
  }

  findCommand(commandId: string): Promise<RecordedCommand | undefined> {
    return this.inner.findCommand(commandId);
  }

  /** The types as stored: a process compares them with names that never changed (StockReserved, …). */
  findCommands(commandIds: readonly string[]): Promise<Map<string, RecordedOutcome>> {
    return this.inner.findCommands(commandIds);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return (await this.inner.readStream(streamId, options)).map((event) => this.schemas.upcast(event));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const { types } = options;
    if (types === undefined) return (await this.inner.readAll(options)).map((event) => this.schemas.upcast(event));
    const stored = await this.inner.readAll({ ...options, types: this.schemas.storedTypesFor(types) });
    return stored.map((event) => this.schemas.upcast(event));
  }

  async readCorrelation(correlationId: string, options?: { limit?: number }): Promise<StoredEvent[]> {
    return (await this.inner.readCorrelation(correlationId, options)).map((event) => this.schemas.upcast(event));
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
