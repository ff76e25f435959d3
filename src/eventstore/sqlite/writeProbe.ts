import type Database from 'better-sqlite3';
import { toStorageError } from './storageErrors.js';

export type WriteProbeResult = { writable: true } | { writable: false; reason: string };

/**
 * Whether the database would take a write now: takes the write lock (`BEGIN IMMEDIATE`) and gives
 * it back (`ROLLBACK`), writing nothing. It waits at most `timeoutMs` for another connection's lock
 * (not the connection's usual busy timeout), and blocks the event loop that long at most, since
 * better-sqlite3 is synchronous. Never throws.
 */
export function probeWritable(db: Database.Database, timeoutMs = 250): WriteProbeResult {
  // A transaction of this connection is open (it never spans an await, so not now): writes work.
  let usualTimeout: number | undefined;
  try {
    if (db.inTransaction) return { writable: true };
    usualTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return { writable: true };
  } catch (error) {
    const mapped = toStorageError(error);
    return { writable: false, reason: mapped instanceof Error ? mapped.message : String(mapped) };
  } finally {
    if (usualTimeout !== undefined && db.open) db.pragma(`busy_timeout = ${usualTimeout}`);
  }
}
