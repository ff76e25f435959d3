import type Database from 'better-sqlite3';

/**
 * Runs `write`, a write of data derived from the log (read models, checkpoints, snapshots), with
 * synchronous=NORMAL, so that its commit does not wait for an fsync. In WAL mode a power loss can
 * then lose it, but only whole and together with everything after it; the log's next FULL commit
 * syncs it along. What is lost is redone from the log: projections and processes are idempotent and
 * resume from their checkpoints. The log's own appends keep the configured level.
 */
export function withoutFsync<T>(db: Database.Database, write: () => T): T {
  // The level cannot change inside a transaction; one the caller opened decides for itself.
  if (db.inTransaction) return write();
  let level = configuredLevel.get(db);
  if (level === undefined) {
    level = db.pragma('synchronous', { simple: true }) as number;
    configuredLevel.set(db, level);
  }
  if (level <= NORMAL) return write();
  db.pragma(`synchronous = ${NORMAL}`);
  try {
    return write();
  } finally {
    db.pragma(`synchronous = ${level}`);
  }
}

const NORMAL = 1;
/** The level each connection was opened with (read once: it is set by openDatabase and not changed after). */
const configuredLevel = new WeakMap<Database.Database, number>();
