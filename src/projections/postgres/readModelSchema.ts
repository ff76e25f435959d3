import type pg from 'pg';
import { inTransaction } from '../../eventstore/postgres/transaction.js';

/** Any constant: it only has to differ from the log's migration lock. */
const READ_MODEL_MIGRATION_LOCK_KEY = 7_431_902_119;

/**
 * The read side's bookkeeping beside the log, in the same schema: each projection's generations
 * (tables, version, checkpoint, failure), the changes the leader announced for every instance's
 * subscribers, and rebuild requests. Idempotent; instances starting at once take turns.
 */
export async function migrateReadModels(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [READ_MODEL_MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS read_model_generations (
        name       text    NOT NULL,
        generation integer NOT NULL,
        version    integer NOT NULL,
        -- The last event applied, moved in the same transaction as the rows.
        position   bigint  NOT NULL DEFAULT 0,
        -- The one the logical views point at; a rebuild fills another beside it.
        live       boolean NOT NULL DEFAULT false,
        -- Live but on its first build (a new read model or version): it announces nothing yet.
        building   boolean NOT NULL DEFAULT false,
        failure    jsonb,
        PRIMARY KEY (name, generation)
      );
      CREATE TABLE IF NOT EXISTS read_model_changes (
        name     text   NOT NULL,
        position bigint NOT NULL,
        change   jsonb  NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, position)
      );
      -- The checkpoint of the instance running each process that one instance at a time runs, for the others' status.
      CREATE TABLE IF NOT EXISTS read_model_process_progress (
        name       text        PRIMARY KEY,
        position   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS read_model_rebuild_requests (
        name         text        PRIMARY KEY,
        requested_at timestamptz NOT NULL DEFAULT now(),
        -- Set by the leader that takes the request up, in the transaction creating that generation.
        generation   integer,
        failure      jsonb
      );`);
  });
}

/** The channel the leaders NOTIFY on after each committed batch; one per schema, like the log's. */
export function readModelChannel(schema: string | undefined): string {
  return schema === undefined ? 'orderstream_read_models' : `orderstream_read_models_${schema}`;
}

/** How often (in events applied) the leader forgets old announced changes. */
export const PRUNE_EVERY_EVENTS = 10_000;

/**
 * Forgets announced changes that every instance has long read: more than 100,000 events and an hour
 * behind the live position. Each instance's tail reads them within a poll; only one cut off from
 * PostgreSQL for longer than that would find a gap (its readiness fails meanwhile, so clients go to
 * another instance, and resume there from their last position).
 */
export async function pruneChanges(client: pg.ClientBase, name: string, livePosition: number): Promise<void> {
  // At most as many rows as are announced between two prunings: each stays a short statement.
  await client.query(
    `DELETE FROM read_model_changes WHERE name = $1 AND position IN (
       SELECT position FROM read_model_changes
       WHERE name = $1 AND position <= $2 AND recorded_at < now() - interval '1 hour'
       ORDER BY position LIMIT $3)`,
    [name, livePosition - 100_000, PRUNE_EVERY_EVENTS],
  );
}
