import type pg from 'pg';
import { inTransaction } from './transaction.js';

/** Numbered, append-only steps; a step once released is never edited, only followed by a new one. */
const MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'events table, its indexes, immutability',
    sql: `
      CREATE TABLE IF NOT EXISTS events (
        -- CACHE 1: a session must not hold a block of numbers, or numbers would stop following the append lock.
        position       bigint  GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
        event_id       text    NOT NULL UNIQUE,
        stream_id      text    NOT NULL,
        stream_type    text    NOT NULL,
        version        integer NOT NULL CHECK (version > 0),
        type           text    NOT NULL,
        schema_version integer NOT NULL,
        data           jsonb   NOT NULL,
        metadata       jsonb   NOT NULL,
        UNIQUE (stream_id, version)
      );

      -- A command's events, found by its id: how a retried command with the same key is recognised.
      CREATE INDEX IF NOT EXISTS events_by_command_id ON events ((metadata->>'commandId'));
      -- One business transaction's events across streams (the correlation query).
      CREATE INDEX IF NOT EXISTS events_by_correlation_id ON events ((metadata->>'correlationId'), position);

      -- Events are facts: the log refuses to change or forget one.
      CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'events are immutable'; END IF;
        RAISE EXCEPTION 'events cannot be deleted';
      END $$;
      CREATE OR REPLACE TRIGGER events_are_immutable BEFORE UPDATE ON events
        FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
      CREATE OR REPLACE TRIGGER events_are_permanent BEFORE DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
      CREATE OR REPLACE TRIGGER events_are_not_truncated BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
    `,
  },
  {
    version: 2,
    description: 'index of the streams a customer opened',
    sql: `
      -- The streams a customer's first event opened (its orders): a customer's replay reads those, not the log.
      CREATE INDEX IF NOT EXISTS events_by_customer_id ON events ((data->>'customerId')) WHERE version = 1;
    `,
  },
  {
    version: 3,
    description: 'drop the index of the streams a customer opened',
    sql: `
      -- Its random-order keys cost most of the append rate; the order view's customer index lists a customer's orders.
      DROP INDEX IF EXISTS events_by_customer_id;
    `,
  },
];

/** Any constant works; it only has to differ from other advisory locks taken on the same database. */
const MIGRATION_LOCK_KEY = 7_431_902_118;

/**
 * Brings the log's tables (in the pool's search_path) to the newest version. Idempotent, and safe
 * when several instances start at once: an advisory lock lets one migrate while the others wait,
 * and each step commits together with its row in schema_migrations. Requires PostgreSQL 14 or newer.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer     PRIMARY KEY,
        description text        NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = rows[0]?.version ?? 0;
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
    }
  });
}

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
