import { SqliteError } from 'better-sqlite3';
import { StorageUnavailableError } from '../errors.js';

/**
 * Codes that mean "the storage cannot take this now", not "this request is wrong", each with what it
 * means in words a frontend developer can pass on. Extended codes (SQLITE_IOERR_WRITE,
 * SQLITE_READONLY_DBMOVED, SQLITE_BUSY_TIMEOUT …) match their primary code's prefix.
 */
const UNAVAILABLE_CAUSES: readonly (readonly [code: string, cause: string])[] = [
  ['SQLITE_BUSY', 'the database is locked by another process, and the wait for it timed out'],
  ['SQLITE_LOCKED', 'the database is locked by another connection'],
  ['SQLITE_READONLY', 'the database is read-only for the server (check the permissions of the file and its directory, and the mount)'],
  ['SQLITE_FULL', 'the disk holding the database is full'],
  ['SQLITE_IOERR', 'the disk refused a read or write (read-only or failing storage)'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened'],
  ['SQLITE_PROTOCOL', 'the database is locked by another process (lock protocol)'],
];

/**
 * Keeps SqliteError inside eventstore/: storage faults become StorageUnavailableError (code
 * SERVICE_UNAVAILABLE) saying what failed (`failed`, e.g. "The change was not stored"), why, the
 * SQLite code, and that a retry may succeed; other errors pass unchanged.
 */
export function toStorageError(error: unknown, failed = 'The database cannot be used right now'): unknown {
  if (error instanceof SqliteError) {
    const cause = UNAVAILABLE_CAUSES.find(([code]) => error.code.startsWith(code))?.[1];
    if (cause) return new StorageUnavailableError(`${failed}: ${cause} (${error.code}); retry shortly`, error);
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new StorageUnavailableError('The event store is closed', error);
  }
  return error;
}
