import pg from 'pg';
import { StorageUnavailableError } from '../errors.js';
import { CommitOutcomeUnknownError } from './transaction.js';

/**
 * SQLSTATE classes and codes that mean "the database cannot take this now", not "this request is
 * wrong", each with words a frontend developer can pass on.
 */
const UNAVAILABLE_SQLSTATES: readonly (readonly [prefix: string, cause: string])[] = [
  ['08', 'the connection to PostgreSQL failed'],
  ['53100', 'the disk holding the database is full'],
  ['53', 'PostgreSQL is out of resources (connections or memory)'],
  ['57P', 'PostgreSQL is shutting down or restarting'],
  ['25006', 'the database is read-only (a standby, or default_transaction_read_only)'],
  ['40', 'PostgreSQL aborted the transaction (serialization failure or deadlock)'],
];

/** Errors from the socket or the pool rather than the server. */
const CONNECTION_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection terminated|not queryable|timeout exceeded when trying to connect/i;

/**
 * Keeps pg's errors inside eventstore/: storage faults become StorageUnavailableError (code
 * SERVICE_UNAVAILABLE) saying what failed (`failed`), why, and that a retry may succeed; other errors
 * (our own conflicts, bugs) pass unchanged.
 */
export function toStorageError(error: unknown, failed = 'The database cannot be used right now'): unknown {
  if (error instanceof CommitOutcomeUnknownError) {
    return new StorageUnavailableError(
      'The change may or may not have been stored: the connection to PostgreSQL broke during COMMIT; ' +
        'retry (a retried command stores its events at most once)',
      error,
    );
  }
  if (error instanceof pg.DatabaseError) {
    const sqlState = error.code ?? '';
    const cause = UNAVAILABLE_SQLSTATES.find(([prefix]) => sqlState.startsWith(prefix))?.[1];
    if (cause) return new StorageUnavailableError(`${failed}: ${cause} (${sqlState}); retry shortly`, error);
    return error;
  }
  if (error instanceof StorageUnavailableError || !(error instanceof Error)) return error;
  if (CONNECTION_FAILURE.test(`${String((error as { code?: unknown }).code)} ${error.message}`)) {
    return new StorageUnavailableError(`${failed}: PostgreSQL cannot be reached (${error.message}); retry shortly`, error);
  }
  return error;
}
