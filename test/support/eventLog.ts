import Database from 'better-sqlite3';

/** Counts the events in a server's SQLite file through a separate read-only connection. */
export function countEvents(databaseFile: string): number {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  } finally {
    db.close();
  }
}
