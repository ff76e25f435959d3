import { existsSync } from 'node:fs';
import pg from 'pg';
import { clientConfig, type PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import { openDatabaseReadOnly } from '../eventstore/sqlite/openDatabase.js';
import { logLocation } from './logLocation.js';
import { fileSizes, type GenerationRow, localFileStats, type LogRows, type LogStats, logFigures, projectionStates } from './stats.js';

/**
 * The stats of the log in PostgreSQL (DATABASE_URL): its events and streams and the shared read
 * models' checkpoints from there, the snapshots and process checkpoints from this instance's
 * `databaseFile` (when it has one). Only reads, so it is safe while servers run. Throws a message
 * naming the schema when it holds no log.
 */
export async function readPostgresLogStats(postgres: PostgresConnectionOptions, databaseFile: string): Promise<LogStats> {
  const client = new pg.Client(clientConfig(postgres, 'stats'));
  await client.connect();
  let rows: LogRows;
  let generations: GenerationRow[];
  let postgresSizes: NonNullable<LogStats['postgresSizes']>;
  try {
    const exists = async (table: string) =>
      (await client.query('SELECT to_regclass($1) IS NOT NULL AS found', [table])).rows[0].found as boolean;
    if (!(await exists('events')))
      throw new Error(`${logLocation(databaseFile, postgres)} holds no orderstream event log: it has no events table`);
    const occurredAt = async (order: 'ASC' | 'DESC') =>
      ((await client.query(`SELECT metadata->>'occurredAt' AS at FROM events ORDER BY position ${order} LIMIT 1`)).rows[0]?.at as
        | string
        | undefined) ?? null;
    rows = {
      headPosition: Number((await client.query('SELECT coalesce(max(position), 0) AS head FROM events')).rows[0].head),
      firstAt: await occurredAt('ASC'),
      lastAt: await occurredAt('DESC'),
      streams: (
        await client.query<LogRows['streams'][number]>(
          `SELECT stream_type AS "streamType", count(DISTINCT stream_id)::int AS streams, count(*)::int AS events
           FROM events GROUP BY stream_type ORDER BY stream_type COLLATE "C"`,
        )
      ).rows,
      types: (
        await client.query<LogRows['types'][number]>(
          'SELECT type, count(*)::int AS events FROM events GROUP BY type ORDER BY type COLLATE "C"',
        )
      ).rows,
    };
    generations = (await exists('read_model_generations'))
      ? (
          await client.query<GenerationRow & { position: string }>(
            'SELECT name, generation, version, position, live, building FROM read_model_generations ORDER BY generation',
          )
        ).rows.map((row) => ({ ...row, position: Number(row.position) }))
      : [];
    // The read models' tables are every other table of the schema but the migrations' record.
    const { rows: sizes } = await client.query<{ events: string; read_models: string }>(
      `SELECT pg_total_relation_size('events') AS events,
              coalesce(sum(pg_total_relation_size(oid)), 0) AS read_models
       FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND relname NOT IN ('events', 'schema_migrations')`,
    );
    postgresSizes = { eventsBytes: Number(sizes[0]!.events), readModelsBytes: Number(sizes[0]!.read_models) };
  } finally {
    await client.end();
  }

  const hasFile = databaseFile !== ':memory:' && existsSync(databaseFile);
  const files = fileSizes(databaseFile);
  const db = hasFile ? openDatabaseReadOnly(databaseFile) : undefined;
  try {
    return {
      log: logLocation(databaseFile, postgres),
      ...localFileStats(db, databaseFile, files, rows.headPosition),
      postgresSizes,
      ...logFigures(rows),
      projections: projectionStates(generations, rows.headPosition),
    };
  } finally {
    db?.close();
  }
}
