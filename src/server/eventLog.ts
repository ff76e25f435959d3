import type Database from 'better-sqlite3';
import pg from 'pg';
import { clientConfig } from '../eventstore/postgres/connection.js';
import { openPostgresEventStore, type PostgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import type { Logger } from '../logging/logger.js';
import type { ServerConfig } from './config.js';

/**
 * The event log: in PostgreSQL when `config.postgres` is set (shared by every instance), else in
 * the SQLite file `db` that also holds the read side. In PostgreSQL's case `db` keeps only this
 * instance's snapshots and process checkpoints, so it must not hold a log of its own: they would then
 * be of that log, not of the shared one. Throws when PostgreSQL cannot be reached or migrated.
 */
export async function openEventLog(
  config: Pick<ServerConfig, 'postgres' | 'databaseFile'>,
  db: Database.Database,
  logger?: Logger,
): Promise<SqliteEventStore | PostgresEventStore> {
  const local = new SqliteEventStore(db);
  if (!config.postgres) return local;
  const localEvents = await local.headPosition();
  if (localEvents > 0) {
    throw new Error(
      `${config.databaseFile} holds an event log of its own (${localEvents} events); with DATABASE_URL it keeps only this ` +
        "instance's snapshots and process checkpoints, of PostgreSQL's log: point ORDERSTREAM_DB at a new file",
    );
  }
  const { connectionString, schema } = config.postgres;
  if (schema !== undefined) await createSchemaIfMissing(connectionString, schema);
  return openPostgresEventStore({
    ...config.postgres,
    onIdleConnectionError: (error) =>
      logger?.warn({ err: error }, 'PostgreSQL: an idle connection of the event store dropped; it is replaced on next use'),
  });
}

/** DATABASE_SCHEMA names a schema that may not exist yet; creating one needs the CREATE privilege, using one does not. */
async function createSchemaIfMissing(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client(clientConfig({ connectionString }, 'migrations'));
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
  } finally {
    await client.end();
  }
}
