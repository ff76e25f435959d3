import pg from 'pg';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../errors.js';
import type { AppendOptions, AppendResult, ExpectedVersion } from '../eventStore.js';
import { toPosition } from './statements.js';
import { toStorageError } from './storageErrors.js';
import { CommitOutcomeUnknownError } from './transaction.js';

/** The row events_append answers with (see its migration for the outcomes). */
export type AppendRow = {
  outcome: 'appended' | 'replayed' | 'stored' | 'key_reused' | 'duplicate' | 'conflict';
  stream_version: number | null;
  last_position: string | null;
  /** The appending transaction's id (xid8, as text): once older than every running one, readers see the events. */
  appended_by: string | null;
  detail: string | null;
};

export const UNIQUE_VIOLATION = '23505';

/** events_append's expected version: NULL for any, 0 for no stream yet. */
export function expectedVersionValue(expected: ExpectedVersion): number | null {
  if (expected === 'any') return null;
  return expected === 'no_stream' ? 0 : expected;
}

/** The append's answer, or the refusal its outcome names (nothing was written then). */
export function appendResult(row: AppendRow, streamId: string, { expectedVersion, idempotencyKey }: AppendOptions): AppendResult {
  switch (row.outcome) {
    case 'appended':
    case 'stored':
      return { nextVersion: row.stream_version!, lastPosition: toPosition(row.last_position!) };
    case 'replayed':
      return { nextVersion: row.stream_version!, lastPosition: toPosition(row.last_position!), replayed: true };
    case 'key_reused':
      throw new IdempotencyKeyReusedError(idempotencyKey!);
    case 'duplicate':
      throw new DuplicateEventError(row.detail!);
    case 'conflict':
      throw new ExpectedVersionConflictError(streamId, expectedVersion, row.stream_version!);
  }
}

/**
 * An append is one statement that commits on its own: an error from the server rolled it back, but
 * a connection that broke while it ran leaves its outcome unknown (a retried command with its key
 * stores its events at most once).
 */
export function appendFailure(error: unknown): unknown {
  const brokeWhileRunning = !(error instanceof pg.DatabaseError) && error instanceof Error && /Connection terminated/i.test(error.message);
  return toStorageError(
    brokeWhileRunning ? new CommitOutcomeUnknownError(error) : error,
    'The change was not stored (nothing was written)',
  );
}
