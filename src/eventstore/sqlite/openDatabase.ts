import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createEventsSchema } from './schema.js';

export type SqliteOptions = {
  /**
   * FULL (default) fsyncs every commit, so an acknowledged append survives power loss;
   * NORMAL survives a process crash only, but writes faster.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
};

/** Opens (creating if needed) the SQLite file that holds the event log and the read tables. */
export function openDatabase(file: string, options: SqliteOptions = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // 64 MiB of page cache instead of 2: rebuilds and catch-ups touch many index pages per batch.
  db.pragma('cache_size = -65536');
  createEventsSchema(db);
  return db;
}

/**
 * Opens an existing log read-only, for looking (`stats`): never creates the file or a table, never
 * writes, and works beside a server writing to the same file (WAL). Throws when there is no file.
 */
export function openDatabaseReadOnly(file: string, options: Pick<SqliteOptions, 'busyTimeoutMs'> = {}): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
}
