import type Database from 'better-sqlite3';
import { withoutFsync } from './withoutFsync.js';
import type { Snapshot, SnapshotStore } from '../snapshotStore.js';
import { toStorageError } from './storageErrors.js';

type SnapshotRow = { version: number; state_schema_version: number; state: string; taken_at: string };

/** The snapshots table, in the log's file. Idempotent: safe to run on every start. */
export function createSnapshotsSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS snapshots (
      stream_id            TEXT    NOT NULL PRIMARY KEY,
      version              INTEGER NOT NULL CHECK (version > 0),
      state_schema_version INTEGER NOT NULL,
      state                TEXT    NOT NULL CHECK (json_valid(state)),
      taken_at             TEXT    NOT NULL
    ) STRICT;
  `);
}

function prepareSnapshotStatements(db: Database.Database) {
  return {
    load: db.prepare<[string, number], SnapshotRow>(
      'SELECT version, state_schema_version, state, taken_at FROM snapshots WHERE stream_id = ? AND state_schema_version = ?',
    ),
    // One row per stream: a higher version of the same shape wins; another shape is always replaced.
    upsert: db.prepare<[string, number, number, string, string], void>(
      `INSERT INTO snapshots (stream_id, version, state_schema_version, state, taken_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET
         version = excluded.version,
         state_schema_version = excluded.state_schema_version,
         state = excluded.state,
         taken_at = excluded.taken_at
       WHERE excluded.version > snapshots.version
          OR excluded.state_schema_version <> snapshots.state_schema_version`,
    ),
    discard: db.prepare<[string, number], void>('DELETE FROM snapshots WHERE stream_id = ? AND version = ?'),
    deleteAll: db.prepare<[], void>('DELETE FROM snapshots'),
  };
}

/** Snapshots in the same SQLite file as the log, one row per stream, state as JSON text. */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly statements: ReturnType<typeof prepareSnapshotStatements>;

  /** Creates the table if needed. The connection stays the caller's to close (the event store's). */
  constructor(private readonly db: Database.Database) {
    createSnapshotsSchema(db);
    this.statements = prepareSnapshotStatements(db);
  }

  async load(streamId: string, stateSchemaVersion: number): Promise<Snapshot | undefined> {
    const row = this.run(() => this.statements.load.get(streamId, stateSchemaVersion));
    if (row === undefined) return undefined;
    return {
      streamId,
      version: row.version,
      stateSchemaVersion: row.state_schema_version,
      state: JSON.parse(row.state),
      takenAt: row.taken_at,
    };
  }

  async save({ streamId, version, stateSchemaVersion, state, takenAt }: Snapshot): Promise<void> {
    if (!Number.isSafeInteger(version) || version < 1) throw new TypeError(`Snapshot version must be a positive integer, got ${version}`);
    if (!Number.isSafeInteger(stateSchemaVersion)) throw new TypeError(`stateSchemaVersion must be an integer, got ${stateSchemaVersion}`);
    const json = JSON.stringify(state) as string | undefined; // throws TypeError on cycles and BigInt
    if (json === undefined) throw new TypeError(`The state of ${streamId} at version ${version} is not JSON`);
    this.run(() => this.statements.upsert.run(streamId, version, stateSchemaVersion, json, takenAt));
  }

  async discard(streamId: string, version: number): Promise<void> {
    this.run(() => this.statements.discard.run(streamId, version));
  }

  async deleteAll(): Promise<void> {
    this.run(() => this.statements.deleteAll.run());
  }

  /** Snapshots are a cache of the log: their writes need not wait for an fsync. */
  private run<T>(query: () => T): T {
    try {
      return withoutFsync(this.db, query);
    } catch (error) {
      throw toStorageError(error);
    }
  }
}
