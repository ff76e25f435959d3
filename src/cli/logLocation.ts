import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';

/** Where a command finds the log, for its messages: the SQLite file, or PostgreSQL and the schema. */
export function logLocation(databaseFile: string, postgres: PostgresConnectionOptions | undefined): string {
  if (!postgres) return databaseFile;
  return `PostgreSQL${postgres.schema ? ` (schema ${postgres.schema})` : ''}`;
}
