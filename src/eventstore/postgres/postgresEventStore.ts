import pg from 'pg';
import { StorageUnavailableError } from '../errors.js';
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
import { validateAppend } from '../validateAppend.js';
import { type AppendRow, appendFailure, appendResult, expectedVersionValue, UNIQUE_VIOLATION } from './appendOutcome.js';
import { createPool, logChannel, type PostgresConnectionOptions } from './connection.js';
import { migrate } from './schema.js';
import { type EventRow, type RecordedCommandRow, type RecordedCommandsRow, SQL, toPosition, toStoredEvent } from './statements.js';
import { Settlement } from './settlement.js';
import { toStorageError } from './storageErrors.js';
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
  // Before the migration's connection, which the pool keeps for later statements.
  const backends = backendsOf(pool);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresEventStore(pool, logChannel(options), backends);
}

/**
 * The log in PostgreSQL, for several server instances sharing one database.
 *
 * An append is one statement (events_append, see schema.ts) that commits on its own: one round trip.
 * Appends to one stream, or with one idempotency key, take turns; appends to different streams do
 * not wait for each other, except for the moment it takes to draw their positions. Positions become
 * visible at COMMIT, so two appends may commit as 8 then 7; a reader that had read up to 8 would
 * never look at 7 again. So readers take only settled events: those whose transaction is older than
 * every transaction still running. Transaction ids are assigned in the order positions are drawn,
 * so below a settled event every position is committed or gone for good (see SETTLED).
 *
 * An append is answered once its events are settled (Settlement), and a NOTIFY on the log's channel
 * then tells the PostgresLogWatchers, which wake readers; they read by position.
 */
export class PostgresEventStore implements EventStore {
  private closed = false;
  private readonly settlement: Settlement;

  constructor(
    /** Also the customers' keys' (src/privacy/postgresKeyStore.ts), in tables beside the log. */
    readonly pool: pg.Pool,
    /** The NOTIFY channel; `logChannel(options)`. */
    readonly channel: string,
    /** The server processes of the pool's connections (backendsOf, from before its first connection): the sources of this store's NOTIFYs. */
    private readonly backends: ReadonlySet<number> = backendsOf(pool),
  ) {
    this.settlement = new Settlement(pool, channel);
  }

  /** Whether a NOTIFY from server process `pid` came from this store: its appends woke this instance already. */
  sentBy(pid: number): boolean {
    return this.backends.has(pid);
  }

  async append(streamId: string, streamType: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(events, options);
    const rows = events.map(toInsertValues);
    this.throwIfClosed();
    const values = [
      streamId,
      streamType,
      expectedVersionValue(options.expectedVersion),
      options.idempotencyKey ?? null,
      events[0]!.metadata.commandFingerprint ?? null,
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => event.schemaVersion),
      rows.map((row) => row.data),
      rows.map((row) => row.metadata),
    ];
    let row: AppendRow;
    try {
      row = await this.appendRow(values);
    } catch (error) {
      throw appendFailure(error);
    }
    const result = appendResult(row, streamId, options);
    // Answered once readers can take the events, as on SQLite.
    if (row.outcome === 'appended') await this.settlement.settled(result.lastPosition, row.appended_by!);
    return result;
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
    this.settlement.close();
    await this.pool.end();
  }

  /**
   * One statement, committed on its own (see events_append). Another append storing one of these
   * event ids at the same moment shows as a unique violation; asked again, the function sees it.
   */
  private async appendRow(values: unknown[]): Promise<AppendRow> {
    try {
      return (await this.pool.query<AppendRow>(SQL.append, values)).rows[0]!;
    } catch (error) {
      if (!(error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION)) throw error;
      return (await this.pool.query<AppendRow>(SQL.append, values)).rows[0]!;
    }
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

/** The server processes of the pool's connections from now on, kept current as it opens and drops them. */
function backendsOf(pool: pg.Pool): ReadonlySet<number> {
  const backends = new Set<number>();
  // pg's Client keeps the process PostgreSQL named at connect (BackendKeyData), untyped.
  const backendOf = (client: pg.PoolClient) => (client as unknown as { processID: number }).processID;
  pool.on('connect', (client) => backends.add(backendOf(client)));
  pool.on('remove', (client) => backends.delete(backendOf(client)));
  return backends;
}
