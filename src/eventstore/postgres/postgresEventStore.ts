import type pg from 'pg';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError, StorageUnavailableError } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedCommand,
  RecordedOutcome,
  StoredEvent,
} from '../eventStore.js';
import { validateAppend } from '../validateAppend.js';
import { createPool, logChannel, type PostgresConnectionOptions } from './connection.js';
import { migrate } from './schema.js';
import {
  type EventRow,
  type RecordedCommandRow,
  type RecordedCommandsRow,
  SQL,
  type StoredIdRow,
  toPosition,
  toStoredEvent,
} from './statements.js';
import { toStorageError } from './storageErrors.js';
import { inTransaction } from './transaction.js';
import { probePostgresWritable } from './writeProbe.js';
import type { WriteProbeResult } from '../sqlite/writeProbe.js';

const DEFAULT_READ_LIMIT = 1000;

export type PostgresEventStoreOptions = PostgresConnectionOptions & {
  /** Connections in the store's pool. Default 10. */
  poolSize?: number;
  /** Told when an idle pooled connection drops (the pool replaces it); ignored by default. */
  onIdleConnectionError?: (error: Error) => void;
};

/**
 * Opens the log in PostgreSQL: a pool, then the schema created or migrated (idempotent, so every
 * start may run it). Throws when the server cannot be reached or the schema cannot be created.
 */
export async function openPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const pool = createPool(options, { max: options.poolSize, onIdleError: options.onIdleConnectionError });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresEventStore(pool, logChannel(options));
}

/**
 * The log in PostgreSQL, for several server instances sharing one database.
 *
 * Appends are serialized by a transaction-level advisory lock, taken first in every append and held
 * until COMMIT. That is what keeps readers from skipping events: a position comes from a sequence
 * when the row is inserted, but becomes visible only at COMMIT, so two concurrent appends could
 * commit as 8 then 7, and a reader that had read up to 8 would never look at 7 again. Under the
 * lock, positions are drawn and committed in the same order, so every committed event has all
 * smaller positions committed before it. It is the simplest correct choice; its price is one
 * append at a time per log (a few round trips each), the same as SQLite's single writer.
 *
 * Each append NOTIFYs the log's channel with its last position, delivered at COMMIT; a
 * PostgresLogWatcher turns that into a wake-up for readers, which then read by position.
 */
export class PostgresEventStore implements EventStore {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    /** The NOTIFY channel; `logChannel(options)`. */
    readonly channel: string,
  ) {}

  async append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(events, options);
    const rows = events.map(toInsertValues);
    this.throwIfClosed();
    try {
      return await inTransaction(this.pool, async (client) => {
        // The lock first: every read below then sees each append that committed before ours.
        await client.query(SQL.lockAppends);
        return this.appendLocked(client, streamId, streamType, events, rows, options);
      });
    } catch (error) {
      // Rolled back, unless COMMIT itself broke (toStorageError says so).
      throw toStorageError(error, 'The change was not stored (nothing was written)');
    }
  }

  async readStream(streamId: string, { fromVersion = 1, limit }: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    // LIMIT NULL: no limit.
    const rows = await this.query<EventRow>(SQL.readStream, [streamId, fromVersion, limit ?? null]);
    return rows.map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const [text, values] = readAllQuery(options);
    return (await this.query<EventRow>(text, values)).map(toStoredEvent);
  }

  async findCommand(commandId: string): Promise<RecordedCommand | undefined> {
    return this.run(() => recordedCommand(this.pool, commandId));
  }

  async findCommands(commandIds: readonly string[]): Promise<Map<string, RecordedOutcome>> {
    const found = new Map<string, RecordedOutcome>();
    if (commandIds.length === 0) return found;
    for (const row of await this.query<RecordedCommandsRow>(SQL.recordedCommands, [commandIds])) {
      // The first stream written answers, as in findCommand.
      if (found.has(row.command_id)) continue;
      found.set(row.command_id, { ...recordedCommandOf(row), eventTypes: row.types });
    }
    return found;
  }

  async readCorrelation(correlationId: string, { limit = DEFAULT_READ_LIMIT } = {}): Promise<StoredEvent[]> {
    const rows = await this.query<EventRow>(SQL.readCorrelation, [correlationId, limit]);
    return rows.map(toStoredEvent);
  }

  async headPosition(): Promise<number> {
    const [row] = await this.query<{ position: string }>(SQL.headPosition, []);
    return toPosition(row!.position);
  }

  /** Whether the log takes writes now, for /readyz; see probePostgresWritable. */
  probeWritable(timeoutMs?: number): Promise<WriteProbeResult> {
    if (this.closed) return Promise.resolve({ writable: false, reason: 'The event store is closed' });
    return probePostgresWritable(this.pool, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async appendLocked(
    client: pg.PoolClient,
    streamId: string,
    streamType: string,
    events: readonly NewEvent[],
    rows: readonly InsertValues[],
    { expectedVersion, idempotencyKey }: AppendOptions,
  ): Promise<AppendResult> {
    // 1. A command or an append that is stored already is a no-op that answers as the original did.
    if (idempotencyKey !== undefined) {
      const recorded = await recordedCommand(client, idempotencyKey);
      if (recorded) {
        if (recorded.fingerprint !== events[0]!.metadata.commandFingerprint) {
          throw new IdempotencyKeyReusedError(idempotencyKey);
        }
        return { nextVersion: recorded.lastVersion, lastPosition: recorded.lastPosition, replayed: true };
      }
    }
    const original = await findStoredAppend(client, streamId, events);
    if (original) return original;

    // 2. Check the version the writer expects.
    const { rows: versionRows } = await client.query<{ version: number }>(SQL.streamVersion, [streamId]);
    const actualVersion = versionRows[0]!.version;
    if (!versionMatches(expectedVersion, actualVersion)) {
      throw new ExpectedVersionConflictError(streamId, expectedVersion, actualVersion);
    }

    // 3. Insert; positions come from the identity sequence, drawn under the lock.
    let version = actualVersion;
    let lastPosition = 0;
    for (const [index, event] of events.entries()) {
      version += 1;
      const { data, metadata } = rows[index]!;
      const { rows: inserted } = await client.query<{ position: string }>(SQL.insert, [
        event.eventId,
        streamId,
        streamType,
        version,
        event.type,
        event.schemaVersion,
        data,
        metadata,
      ]);
      lastPosition = toPosition(inserted[0]!.position);
    }

    // 4. Wake the watchers; PostgreSQL delivers this only if and when the transaction commits.
    await client.query(SQL.notify, [this.channel, String(lastPosition)]);
    return { nextVersion: version, lastPosition };
  }

  private async query<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<Row[]> {
    const { rows } = await this.run(() => this.pool.query<Row>(text, values));
    return rows;
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    this.throwIfClosed();
    try {
      return await operation();
    } catch (error) {
      throw toStorageError(error);
    }
  }

  private throwIfClosed(): void {
    if (this.closed) throw new StorageUnavailableError('The event store is closed');
  }
}

async function recordedCommand(queryable: pg.Pool | pg.PoolClient, commandId: string): Promise<RecordedCommand | undefined> {
  const { rows } = await queryable.query<RecordedCommandRow>(SQL.recordedCommand, [commandId]);
  const row = rows[0];
  return row && recordedCommandOf(row);
}

function recordedCommandOf(row: RecordedCommandRow): RecordedCommand {
  return {
    streamId: row.stream_id,
    firstVersion: row.first_version,
    lastVersion: row.last_version,
    lastPosition: toPosition(row.last_position),
    fingerprint: row.fingerprint ?? undefined,
  };
}

/** readAll's statement and values: the narrowest index first (the streams', else the stream's, else positions). */
function readAllQuery({ afterPosition = 0, limit = DEFAULT_READ_LIMIT, types, streamId, streamIds }: ReadAllOptions): [string, unknown[]] {
  const values = [afterPosition, limit, types ?? null];
  if (streamIds !== undefined) return [SQL.readStreams, [...values, streamId ?? null, streamIds]];
  if (streamId !== undefined) return [SQL.readStreamAfter, [...values, streamId]];
  if (types !== undefined) return [SQL.readAllFiltered, values];
  return [SQL.readAll, [afterPosition, limit]];
}

type InsertValues = { data: string; metadata: string };

/** Serializes before any I/O, so an event that is not JSON fails as a TypeError and nothing is sent. */
function toInsertValues(event: NewEvent): InsertValues {
  const data = JSON.stringify(event.data);
  if (data === undefined) throw new TypeError(`Event ${event.eventId} (${event.type}) has data that is not JSON`);
  return { data, metadata: JSON.stringify(event.metadata) };
}

/** A retried append (every eventId stored, in this stream, consecutively) answers as the original did. */
async function findStoredAppend(client: pg.PoolClient, streamId: string, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
  const { rows } = await client.query<StoredIdRow>(SQL.eventsById, [events.map((event) => event.eventId)]);
  if (rows.length === 0) return undefined;
  const byId = new Map(rows.map((row) => [row.event_id, row]));
  const stored = events.map((event) => byId.get(event.eventId));
  const sameAppend = stored.every(
    (row, index) => row !== undefined && row.stream_id === streamId && row.version === stored[0]!.version + index,
  );
  if (!sameAppend) {
    const duplicate = events.find((event) => byId.has(event.eventId))!;
    throw new DuplicateEventError(duplicate.eventId);
  }
  const last = stored.at(-1)!;
  return { nextVersion: last.version, lastPosition: toPosition(last.position) };
}

function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 0;
  return expected === actual;
}
