import type Database from 'better-sqlite3';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedCommand,
  RecordedOutcome,
  StoredEvent,
} from '../eventStore.js';
import { validateAppend } from '../validateAppend.js';
import { GroupCommit, type GroupCommitMode } from './groupCommit.js';
import { toStorageError } from './storageErrors.js';
import { type EventRow, prepareStatements } from './statements.js';

const DEFAULT_READ_LIMIT = 1000;

export type SqliteEventStoreOptions = {
  /**
   * How appends that arrive together are written (see GroupCommitMode). Default `setImmediate`: all
   * the appends of one turn of the event loop share one transaction and one fsync, each in a
   * savepoint of its own, so one refused append does not fail the others.
   */
  groupCommit?: GroupCommitMode;
};

/**
 * The embedded event log: one SQLite file, one writer at a time (BEGIN IMMEDIATE). Appends are
 * group-committed: each is answered only after the COMMIT of the transaction it was written in.
 */
export class SqliteEventStore implements EventStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly groupCommit: GroupCommit;
  private readonly inSavepoint: <T>(work: () => T) => T;

  constructor(
    private readonly db: Database.Database,
    { groupCommit = 'setImmediate' }: SqliteEventStoreOptions = {},
  ) {
    this.statements = prepareStatements(db);
    // Called inside the group's transaction, better-sqlite3 makes this a SAVEPOINT.
    const savepoint = db.transaction((work: () => unknown) => work());
    this.inSavepoint = <T>(work: () => T) => savepoint(work) as T;
    // IMMEDIATE takes the write lock before the version check, so check and insert cannot interleave.
    // A refused or failed append rolls back (to its savepoint, or the whole group): nothing is stored.
    this.groupCommit = new GroupCommit(db, groupCommit, (error) =>
      toStorageError(error, 'The change was not stored (nothing was written)'),
    );
  }

  async append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(events, options);
    const keys = [streamKey(streamId), ...(options.idempotencyKey === undefined ? [] : [commandKey(options.idempotencyKey)])];
    return this.groupCommit.submit(() => this.appendUnchecked(streamId, streamType, events, options), keys);
  }

  async readStream(streamId: string, { fromVersion = 1, limit = -1 }: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    // A command loading a stream with an append still waiting for its group would decide on a stale
    // version and lose the race to it; committing the group first serialises commands on one stream
    // (as they must be) while commands on other streams still share a commit.
    this.flushWaitingGroup(streamKey(streamId));
    return this.read(() => this.statements.readStream.all(streamId, fromVersion, limit).map(toStoredEvent));
  }

  async readAll({
    afterPosition = 0,
    limit = DEFAULT_READ_LIMIT,
    types,
    streamId,
    streamIds,
  }: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const filter = { after: afterPosition, limit, types: types ? JSON.stringify(types) : null };
    // The narrowest index first: the streams', else the stream's, else positions.
    const rows = () => {
      if (streamIds !== undefined)
        return this.statements.readStreams.all({ ...filter, streamId: streamId ?? null, streamIds: JSON.stringify(streamIds) });
      if (streamId !== undefined) return this.statements.readStreamAfter.all({ ...filter, streamId });
      if (types !== undefined) return this.statements.readAllFiltered.all(filter);
      return this.statements.readAll.all(afterPosition, limit);
    };
    return this.read(() => rows().map(toStoredEvent));
  }

  async findCommand(commandId: string): Promise<RecordedCommand | undefined> {
    // The same: a retried command arriving with its original in the waiting group finds it stored.
    this.flushWaitingGroup(commandKey(commandId));
    return this.read(() => this.recordedCommand(commandId));
  }

  async findCommands(commandIds: readonly string[]): Promise<Map<string, RecordedOutcome>> {
    for (const commandId of commandIds) this.flushWaitingGroup(commandKey(commandId));
    const found = new Map<string, RecordedOutcome>();
    if (commandIds.length === 0) return found;
    const rows = this.read(() => this.statements.recordedCommands.all(JSON.stringify(commandIds)));
    for (const row of rows) {
      // Rows come in the order their streams were written: the first stream written answers (as findCommand).
      if (found.has(row.command_id)) continue;
      found.set(row.command_id, {
        streamId: row.stream_id,
        firstVersion: row.first_version,
        lastVersion: row.last_version,
        lastPosition: row.last_position,
        fingerprint: row.fingerprint ?? undefined,
        eventTypes: JSON.parse(row.types) as string[],
      });
    }
    return found;
  }

  async readCorrelation(correlationId: string, { limit = DEFAULT_READ_LIMIT } = {}): Promise<StoredEvent[]> {
    return this.read(() => this.statements.readCorrelation.all(correlationId, limit).map(toStoredEvent));
  }

  async headPosition(): Promise<number> {
    return this.read(() => this.statements.headPosition.get() ?? 0);
  }

  async close(): Promise<void> {
    // Appends waiting for their group are written first: each was accepted before the close.
    if (this.db.open) this.groupCommit.flush();
    if (this.db.open) this.db.close();
  }

  /** Commits the waiting group when it holds an append with this key; its outcome is its appends' business. */
  private flushWaitingGroup(key: string): void {
    if (this.db.open) this.groupCommit.flushIfWaiting(key);
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

    // 3. Insert; positions come from the table's AUTOINCREMENT key. One row is one statement, which
    // SQLite undoes alone should it fail; several share a savepoint, so the group keeps none of them.
    if (events.length === 1) return this.insert(streamId, streamType, events[0]!, actualVersion + 1);
    return this.insertAll(streamId, streamType, events, actualVersion);
  }

  /** Several events' rows in a savepoint: all or none. */
  private insertAll(streamId: string, streamType: string, events: readonly NewEvent[], actualVersion: number): AppendResult {
    return this.inSavepoint(() => {
      let result: AppendResult = { nextVersion: actualVersion, lastPosition: 0 };
      events.forEach((event, index) => {
        result = this.insert(streamId, streamType, event, actualVersion + index + 1);
      });
      return result;
    });
  }

  private insert(streamId: string, streamType: string, event: NewEvent, version: number): AppendResult {
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
    return { nextVersion: version, lastPosition: Number(info.lastInsertRowid) };
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

const streamKey = (streamId: string) => `stream:${streamId}`;
const commandKey = (commandId: string) => `command:${commandId}`;

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
