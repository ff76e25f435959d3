import Database from 'better-sqlite3';
import pg from 'pg';

/** An event as the checks read it: data and metadata as JSON text. */
export type LogRow = {
  position: number;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
};

/** The whole log of a SQLite file, read-only. */
export function sqliteLogRows(databaseFile: string): LogRow[] {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT position, event_id, stream_id, version, type, data, metadata FROM events ORDER BY position')
      .all() as LogRow[];
  } finally {
    db.close();
  }
}

/** The whole log in PostgreSQL (the `events` table in `schema`). */
export async function postgresLogRows(connectionString: string, schema: string): Promise<LogRow[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<LogRow>(
      `SELECT position::float8 AS position, event_id, stream_id, version, type, data::text AS data, metadata::text AS metadata
       FROM ${client.escapeIdentifier(schema)}.events ORDER BY position`,
    );
    return rows;
  } finally {
    await client.end();
  }
}
