import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { toStorageError } from './storageErrors.js';

export type WriteProbeResult = { writable: true } | { writable: false; reason: string };

/**
 * Below this much free space on the database's file system the database counts as full: a write
 * may still fit in space SQLite's files hold already, but the next one that grows them fails.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/** One row, rewritten by every probe: a commit is the only way to learn the storage takes writes. */
const PROBE_WRITE = `
  CREATE TABLE IF NOT EXISTS readiness_probe (id INTEGER PRIMARY KEY CHECK (id = 1), written_at TEXT NOT NULL) STRICT;
  INSERT INTO readiness_probe (id, written_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ'))
    ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at;
`;

/**
 * Whether the database takes writes now:
 * 1. its file system has at least MIN_FREE_BYTES free;
 * 2. it takes the write lock (`BEGIN IMMEDIATE`), waiting at most `timeoutMs` for another
 *    connection's (not the connection's usual busy timeout), and blocks the event loop that long at
 *    most, since better-sqlite3 is synchronous;
 * 3. it commits a one-row write to the `readiness_probe` table: a file the kernel refuses to write
 *    (read-only mount, immutable, failing disk) passes 1 and 2 and fails only here.
 * Never throws; a failing probe leaves nothing behind.
 */
export function probeWritable(db: Database.Database, timeoutMs = 250): WriteProbeResult {
  const full = fullDisk(db);
  if (full) return { writable: false, reason: full };
  // A transaction of this connection is open (it never spans an await, so not now): writes work.
  let usualTimeout: number | undefined;
  try {
    if (db.inTransaction) return { writable: true };
    usualTimeout = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
    commitProbeWrite(db);
    return { writable: true };
  } catch (error) {
    const mapped = toStorageError(error, 'The database cannot take writes');
    return { writable: false, reason: mapped instanceof Error ? mapped.message : String(mapped) };
  } finally {
    if (usualTimeout !== undefined && db.open) db.pragma(`busy_timeout = ${usualTimeout}`);
  }
}

/**
 * Takes the write lock and commits the probe's one-row write, waiting for another connection's lock
 * as long as the connection's busy timeout; throws SQLite's error, rolled back, when it cannot.
 */
export function commitProbeWrite(db: Database.Database): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(PROBE_WRITE);
    db.exec('COMMIT');
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}

/** Why the database's file system counts as full; undefined when it does not, or cannot be asked. */
function fullDisk(db: Database.Database): string | undefined {
  if (db.memory) return undefined;
  let free: number;
  try {
    const stats = statfsSync(dirname(db.name));
    free = stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
  if (free >= MIN_FREE_BYTES) return undefined;
  return `The database cannot take writes: the disk holding the database is full (${free} bytes free, fewer than ${MIN_FREE_BYTES})`;
}
