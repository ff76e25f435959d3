import type pg from 'pg';
import { inTransaction } from './transaction.js';

/** Advisory lock classes (the first of two keys): drawing positions, one stream's appends, one idempotency key's. */
const DRAW_LOCK_CLASS = 0x05_7e_a3;
const STREAM_LOCK_CLASS = 0x05_7e_a4;
const KEY_LOCK_CLASS = 0x05_7e_a5;

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
  {
    version: 4,
    description: 'appends without a log-wide lock: transaction ids, position drawing, the append function',
    sql: `
      -- Which transaction wrote each event. Readers take only events of transactions older than every
      -- one still running (see events_draw_positions). Events written before this step count as settled.
      ALTER TABLE events ADD COLUMN IF NOT EXISTS transaction_id xid8 NOT NULL DEFAULT '0';
      ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id();

      -- Positions for n events. The transaction's id is assigned and the positions drawn together,
      -- one transaction at a time (a lock held for these two steps only, never until COMMIT), so
      -- transaction ids follow positions: an event whose transaction is older than every running
      -- transaction (pg_snapshot_xmin) has every smaller position committed or gone for good.
      CREATE OR REPLACE FUNCTION events_draw_positions(n integer) RETURNS bigint[] LANGUAGE plpgsql AS $$
      DECLARE
        lock_key integer := 'events'::regclass::oid::integer;
        positions bigint[];
      BEGIN
        PERFORM pg_advisory_lock(${DRAW_LOCK_CLASS}, lock_key);
        BEGIN
          PERFORM pg_current_xact_id();
          positions := ARRAY(SELECT nextval(pg_get_serial_sequence('events', 'position')) FROM generate_series(1, n));
        EXCEPTION WHEN OTHERS THEN
          -- A session lock outlives an error: let it go before passing the error on.
          PERFORM pg_advisory_unlock(${DRAW_LOCK_CLASS}, lock_key);
          RAISE;
        END;
        PERFORM pg_advisory_unlock(${DRAW_LOCK_CLASS}, lock_key);
        RETURN positions;
      END $$;

      -- One append in one statement (one round trip): the checks PostgresEventStore.append documents,
      -- then the rows. Appends to one stream, and appends with one idempotency key, take turns
      -- (transaction-level locks on the stream and on the key); appends to other streams do not wait.
      -- Outcomes: appended, replayed (the key's command is stored), stored (this very append is),
      -- key_reused, duplicate (detail: the event id), conflict (stream_version: the stream's).
      CREATE OR REPLACE FUNCTION events_append(
        p_stream_id text, p_stream_type text, p_expected_version integer, p_key text, p_fingerprint text,
        p_event_ids text[], p_types text[], p_schema_versions integer[], p_data jsonb[], p_metadata jsonb[]
      ) RETURNS TABLE (outcome text, stream_version integer, last_position bigint, appended_by xid8, detail text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n integer := cardinality(p_event_ids);
        recorded record;
        stored record;
        actual integer;
        positions bigint[];
      BEGIN
        PERFORM pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext(p_stream_id));
        IF p_key IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(${KEY_LOCK_CLASS}, hashtext(p_key));
          SELECT max(e.version) AS last_version, max(e.position) AS last_position,
                 min(e.metadata->>'commandFingerprint') AS fingerprint
            INTO recorded
            FROM events e WHERE e.metadata->>'commandId' = p_key
            GROUP BY e.stream_id ORDER BY max(e.position) LIMIT 1;
          IF FOUND THEN
            IF recorded.fingerprint IS DISTINCT FROM p_fingerprint THEN
              RETURN QUERY SELECT 'key_reused', NULL::integer, NULL::bigint, NULL::xid8, NULL::text;
            ELSE
              RETURN QUERY SELECT 'replayed', recorded.last_version, recorded.last_position, NULL::xid8, NULL::text;
            END IF;
            RETURN;
          END IF;
        END IF;

        SELECT count(e.position) AS count, count(DISTINCT e.version - ids.i) AS offsets,
               coalesce(bool_and(e.stream_id = p_stream_id), true) AS same_stream,
               max(e.version) AS last_version, max(e.position) AS last_position,
               (array_agg(ids.event_id ORDER BY ids.i) FILTER (WHERE e.position IS NOT NULL))[1] AS first_stored
          INTO stored
          FROM unnest(p_event_ids) WITH ORDINALITY AS ids (event_id, i) LEFT JOIN events e ON e.event_id = ids.event_id;
        IF stored.count > 0 THEN
          IF stored.count = n AND stored.offsets = 1 AND stored.same_stream THEN
            RETURN QUERY SELECT 'stored', stored.last_version, stored.last_position, NULL::xid8, NULL::text;
          ELSE
            RETURN QUERY SELECT 'duplicate', NULL::integer, NULL::bigint, NULL::xid8, stored.first_stored;
          END IF;
          RETURN;
        END IF;

        SELECT coalesce(max(e.version), 0) INTO actual FROM events e WHERE e.stream_id = p_stream_id;
        IF p_expected_version IS NOT NULL AND p_expected_version <> actual THEN
          RETURN QUERY SELECT 'conflict', actual, NULL::bigint, NULL::xid8, NULL::text;
          RETURN;
        END IF;

        positions := events_draw_positions(n);
        INSERT INTO events (position, event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
          OVERRIDING SYSTEM VALUE
          SELECT positions[i], p_event_ids[i], p_stream_id, p_stream_type, actual + i, p_types[i], p_schema_versions[i],
                 p_data[i], p_metadata[i]
          FROM generate_subscripts(p_event_ids, 1) AS i;
        RETURN QUERY SELECT 'appended', actual + n, positions[n], pg_current_xact_id(), NULL::text;
      END $$;
    `,
  },
  {
    version: 5,
    description: 'events_append: stored events found by their ids one at a time',
    sql: `
      -- A session keeps the plans of its function's statements. Version 4's check for stored events
      -- (a join of the ids with events) got a hash join over the whole table when a session planned it
      -- on a new, small log, and kept it as the log grew: 1.8 ms an append at 10,000 events, more
      -- after. One lookup per id through the event_id index has no other plan; the full check runs
      -- only when one of the ids is stored. Outcomes and their order are version 4's.
      CREATE OR REPLACE FUNCTION events_append(
        p_stream_id text, p_stream_type text, p_expected_version integer, p_key text, p_fingerprint text,
        p_event_ids text[], p_types text[], p_schema_versions integer[], p_data jsonb[], p_metadata jsonb[]
      ) RETURNS TABLE (outcome text, stream_version integer, last_position bigint, appended_by xid8, detail text)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n integer := cardinality(p_event_ids);
        recorded record;
        stored record;
        actual integer;
        positions bigint[];
        id text;
        any_stored boolean := false;
      BEGIN
        PERFORM pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext(p_stream_id));
        IF p_key IS NOT NULL THEN
          PERFORM pg_advisory_xact_lock(${KEY_LOCK_CLASS}, hashtext(p_key));
          SELECT max(e.version) AS last_version, max(e.position) AS last_position,
                 min(e.metadata->>'commandFingerprint') AS fingerprint
            INTO recorded
            FROM events e WHERE e.metadata->>'commandId' = p_key
            GROUP BY e.stream_id ORDER BY max(e.position) LIMIT 1;
          IF FOUND THEN
            IF recorded.fingerprint IS DISTINCT FROM p_fingerprint THEN
              RETURN QUERY SELECT 'key_reused', NULL::integer, NULL::bigint, NULL::xid8, NULL::text;
            ELSE
              RETURN QUERY SELECT 'replayed', recorded.last_version, recorded.last_position, NULL::xid8, NULL::text;
            END IF;
            RETURN;
          END IF;
        END IF;

        FOREACH id IN ARRAY p_event_ids LOOP
          PERFORM 1 FROM events e WHERE e.event_id = id;
          IF FOUND THEN any_stored := true; EXIT; END IF;
        END LOOP;
        IF any_stored THEN
          SELECT count(e.position) AS count, count(DISTINCT e.version - ids.i) AS offsets,
                 coalesce(bool_and(e.stream_id = p_stream_id), true) AS same_stream,
                 max(e.version) AS last_version, max(e.position) AS last_position,
                 (array_agg(ids.event_id ORDER BY ids.i) FILTER (WHERE e.position IS NOT NULL))[1] AS first_stored
            INTO stored
            FROM unnest(p_event_ids) WITH ORDINALITY AS ids (event_id, i) LEFT JOIN events e ON e.event_id = ids.event_id;
          IF stored.count = n AND stored.offsets = 1 AND stored.same_stream THEN
            RETURN QUERY SELECT 'stored', stored.last_version, stored.last_position, NULL::xid8, NULL::text;
          ELSE
            RETURN QUERY SELECT 'duplicate', NULL::integer, NULL::bigint, NULL::xid8, stored.first_stored;
          END IF;
          RETURN;
        END IF;

        SELECT coalesce(max(e.version), 0) INTO actual FROM events e WHERE e.stream_id = p_stream_id;
        IF p_expected_version IS NOT NULL AND p_expected_version <> actual THEN
          RETURN QUERY SELECT 'conflict', actual, NULL::bigint, NULL::xid8, NULL::text;
          RETURN;
        END IF;

        positions := events_draw_positions(n);
        INSERT INTO events (position, event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
          OVERRIDING SYSTEM VALUE
          SELECT positions[i], p_event_ids[i], p_stream_id, p_stream_type, actual + i, p_types[i], p_schema_versions[i],
                 p_data[i], p_metadata[i]
          FROM generate_subscripts(p_event_ids, 1) AS i;
        RETURN QUERY SELECT 'appended', actual + n, positions[n], pg_current_xact_id(), NULL::text;
      END $$;
    `,
  },
  {
    version: 6,
    description: "customers' data keys, wrapped by the master key, and their erasures (src/privacy/)",
    sql: `
      CREATE TABLE IF NOT EXISTS customer_keys (
        key_id text PRIMARY KEY,
        customer_id text NOT NULL UNIQUE,
        wrapped text NOT NULL,
        created_at text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS customer_erasures (
        erasure_id text PRIMARY KEY,
        customer_id text NOT NULL,
        key_ids text[] NOT NULL,
        erased_at text NOT NULL,
        recorded boolean NOT NULL DEFAULT false
      );
      CREATE INDEX IF NOT EXISTS customer_erasures_by_customer ON customer_erasures (customer_id, erased_at);
      CREATE TABLE IF NOT EXISTS erased_keys (key_id text PRIMARY KEY, erasure_id text NOT NULL);
      CREATE TABLE IF NOT EXISTS master_key_check (id integer PRIMARY KEY CHECK (id = 1), sealed text NOT NULL);
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
