import { SqliteError } from 'better-sqlite3';
import { StorageUnavailableError } from '../errors.js';

/** Codes that mean "the storage cannot take this now", not "this request is wrong". */
const UNAVAILABLE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN'];

/** Keeps SqliteError inside eventstore/: storage faults become StorageUnavailableError, others pass. */
export function toStorageError(error: unknown): unknown {
  if (error instanceof SqliteError && UNAVAILABLE_CODES.some((code) => error.code.startsWith(code))) {
    return new StorageUnavailableError(`The event store cannot be used right now (${error.code}); retry shortly`, error);
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new StorageUnavailableError('The event store is closed', error);
  }
  return error;
}
