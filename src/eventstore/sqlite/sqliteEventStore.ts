import type Database from 'better-sqlite3';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  EventStore,
  NewEvent,
  ReadAllOptions,
  RecordedCommand,
  StoredEvent,
} from '../eventStore.js';
import { validateAppend } from '../validateAppend.js';
import { toStorageError } from './storageErrors.js';
import { type EventRow, prepareStatements } from './statements.js';

const DEFAULT_READ_LIMIT = 1000;

/** The embedded event log: one SQLite file, one writer at a time (BEGIN IMMEDIATE). */
export class SqliteEventStore implements EventStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly appendInTransaction: (
    streamId: string,
    streamType: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ) => AppendResult;

  constructor(private readonly db: Database.Database) {
    this.statements = prepareStatements(db);
    const transaction = db.transaction(this.appendUnchecked.bind(this));
    // IMMEDIATE takes the write lock before the version check, so check and insert cannot interleave.
    this.appendInTransaction = (...args) => transaction.immediate(...args);
  }

  async append(
    streamId: string,
    streamType: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    validateAppend(events, options);
    try {
      return this.appendInTransaction(streamId, streamType, events, options);
    } catch (error) {
      // The transaction rolled back: none of the events is stored.
      throw toStorageError(error, 'The change was not stored (nothing was written)');
    }
  }

  async readStream(streamId: string, { fromVersion = 1 } = {}): Promise<StoredEvent[]> {
    return this.read(() => this.statements.readStream.all(streamId, fromVersion).map(toStoredEvent));
  }

  async readAll({ afterPosition = 0, limit = DEFAULT_READ_LIMIT, types, streamId }: ReadAllOptions = {}): Promise<StoredEvent[]> {
    if (types === undefined && streamId === undefined) {
      return this.read(() => this.statements.readAll.all(afterPosition, limit).map(toStoredEvent));
    }
    const filter = { after: afterPosition, limit, types: types ? JSON.stringify(types) : null, streamId: streamId ?? null };
    return this.read(() => this.statements.readAllFiltered.all(filter).map(toStoredEvent));
  }

  async findCommand(commandId: string): Promise<RecordedCommand | undefined> {
    return this.read(() => this.recordedCommand(commandId));
  }

  async readCorrelation(correlationId: string, { limit = DEFAULT_READ_LIMIT } = {}): Promise<StoredEvent[]> {
    return this.read(() => this.statements.readCorrelation.all(correlationId, limit).map(toStoredEvent));
  }

  async headPosition(): Promise<number> {
    return this.read(() => this.statements.headPosition.get() ?? 0);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw toStorageError(error);
    }
  }

  private appendUnchecked(
    streamId: string,
    streamType: string,
    events: readonly NewEvent[],
    { expectedVersion, idempotencyKey }: AppendOptions,
  ): AppendResult {
    // 1. A command or an append that is stored already is a no-op that answers as the original did.
    if (idempotencyKey !== undefined) {
      const recorded = this.recordedCommand(idempotencyKey);
      if (recorded) {
        if (recorded.fingerprint !== events[0]!.metadata.commandFingerprint) {
          throw new IdempotencyKeyReusedError(idempotencyKey);
        }
        return { nextVersion: recorded.lastVersion, lastPosition: recorded.lastPosition, replayed: true };
      }
    }
    const original = this.findStoredAppend(streamId, events);
    if (original) return original;

    // 2. Check the version the writer expects.
    const actualVersion = this.statements.streamVersion.get(streamId) ?? 0;
    if (!versionMatches(expectedVersion, actualVersion)) {
      throw new ExpectedVersionConflictError(streamId, expectedVersion, actualVersion);
    }

    // 3. Insert; positions come from the table's AUTOINCREMENT key.
    let version = actualVersion;
    let lastPosition = 0;
    for (const event of events) {
      version += 1;
      const info = this.statements.insert.run(
        event.eventId,
        streamId,
        streamType,
        version,
        event.type,
        event.schemaVersion,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      );
      lastPosition = Number(info.lastInsertRowid);
    }
    return { nextVersion: version, lastPosition };
  }

  private recordedCommand(commandId: string): RecordedCommand | undefined {
    const row = this.statements.recordedCommand.get(commandId);
    if (!row) return undefined;
    return {
      streamId: row.stream_id,
      firstVersion: row.first_version,
      lastVersion: row.last_version,
      lastPosition: row.last_position,
      fingerprint: row.fingerprint ?? undefined,
    };
  }

  private findStoredAppend(streamId: string, events: readonly NewEvent[]): AppendResult | undefined {
    const stored = events.map((event) => this.statements.eventById.get(event.eventId));
    if (stored.every((row) => row === undefined)) return undefined;
    const sameAppend = stored.every(
      (row, index) => row !== undefined && row.stream_id === streamId && row.version === stored[0]!.version + index,
    );
    if (!sameAppend) {
      const duplicate = events.find((_, index) => stored[index] !== undefined)!;
      throw new DuplicateEventError(duplicate.eventId);
    }
    const last = stored[stored.length - 1]!;
    return { nextVersion: last.version, lastPosition: last.position };
  }
}

function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 0;
  return expected === actual;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.version,
    type: row.type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}
