import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { SqliteError } from 'better-sqlite3';
import { createEventsSchema } from './schema.js';
import { commitProbeWrite } from './writeProbe.js';

export type SqliteOptions = {
  /**
   * FULL (default) fsyncs every commit, so an acknowledged append survives power loss;
   * NORMAL survives a process crash only, but writes faster.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
};

/**
 * Opens (creating if needed) the SQLite file that holds the event log and the read tables, and
 * checks it takes a write. Throws, naming the file, when it is read-only for this process: SQLite
 * would otherwise open it read-only without a word, and only a new connection can write once the
 * permissions are fixed. Another writer's lock or a full disk does not stop it opening.
 */
export function openDatabase(file: string, options: SqliteOptions = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw explained(file, error);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache instead of 2: rebuilds and catch-ups touch many index pages per batch.
    db.pragma('cache_size = -65536');
    createEventsSchema(db);
    try {
      commitProbeWrite(db);
    } catch (error) {
      // Locked, full or failing: it opens, and readiness says why it takes no writes.
      if (!(error instanceof SqliteError && PASSING_FAULT.test(error.code))) throw error;
    }
  } catch (error) {
    db.close();
    throw explained(file, error);
  }
  return db;
}

/** The codes of a file this process may not write (or create beside it: the -wal and -shm files). */
const READ_ONLY = /^SQLITE_(READONLY|CANTOPEN|PERM)/;
/** Faults that may pass without anyone touching the files. */
const PASSING_FAULT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|PROTOCOL)/;

function explained(file: string, error: unknown): unknown {
  if (!(error instanceof SqliteError) || !READ_ONLY.test(error.code)) return error;
  const user = process.getuid ? ` (user id ${process.getuid()})` : '';
  return new Error(
    `The database ${file} is read-only for this process${user}: it must be able to write the file and its ` +
      `-wal and -shm files, and create those in the file's directory; make them writable (${error.code}: ${error.message})`,
    { cause: error },
  );
}

/**
 * Opens an existing log read-only, for looking (`stats`): never creates the file or a table, never
 * writes, and works beside a server writing to the same file (WAL). Throws when there is no file.
 */
export function openDatabaseReadOnly(file: string, options: Pick<SqliteOptions, 'busyTimeoutMs'> = {}): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
}
