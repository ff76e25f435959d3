import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, migrate } from '../../src/eventstore/postgres/schema.js';
import { createPool } from '../../src/eventstore/postgres/connection.js';
import { openPostgresEventStore, PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { StorageUnavailableError } from '../../src/eventstore/errors.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { describeEventStoreContract, newEvent } from './eventStoreContract.js';

await describeWithPostgres('PostgreSQL', () => {
  describeEventStoreContract('PostgresEventStore', async () => {
    const { schema, drop } = await createTestSchema();
    const store = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema });
    return {
      store,
      dispose: async () => {
        await store.close();
        await drop();
      },
    };
  });

  describeWithSchema('PostgresEventStore on a PostgreSQL schema', (context) => {
    it('migrates idempotently, also when several instances start at once', async () => {
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: context.schema })),
      );
      try {
        await stores[0]!.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });
        await migrate(context.pool);

        const { rows } = await context.pool.query('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((row) => row.version)).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        expect(await stores[3]!.readStream('s-1')).toHaveLength(1);
        // The log keeps only the indexes its guarantees need (the customer index of step 2 is gone).
        const indexes = await context.pool.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'events'", [
          context.schema,
        ]);
        expect(indexes.rows.map((row) => row.indexname).sort()).toEqual([
          'events_by_command_id',
          'events_by_correlation_id',
          'events_event_id_key',
          'events_pkey',
          'events_stream_id_version_key',
        ]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it('refuses to update, delete or truncate a stored event', async () => {
      const store = await context.open();
      const event = newEvent('A', { n: 1 });
      await store.append('s-1', 'Thing', [event], { expectedVersion: 'no_stream' });

      await expect(context.pool.query("UPDATE events SET type = 'B'")).rejects.toThrow(/immutable/);
      await expect(context.pool.query('DELETE FROM events')).rejects.toThrow(/cannot be deleted/);
      await expect(context.pool.query('TRUNCATE events')).rejects.toThrow(/cannot be deleted/);

      expect(await store.readStream('s-1')).toMatchObject([{ eventId: event.eventId, type: 'A', data: { n: 1 } }]);
    });

    it('keeps the log across close and reopen, and positions keep increasing', async () => {
      let store = await context.open();
      await store.append('s-1', 'Thing', [newEvent('A', {}), newEvent('B', {})], { expectedVersion: 'no_stream' });
      const before = await store.readAll();
      await store.close();

      store = await context.open();

      expect(await store.readAll()).toEqual(before);
      const result = await store.append('s-1', 'Thing', [newEvent('C', {})], { expectedVersion: 2 });
      expect(result.nextVersion).toBe(3);
      expect(result.lastPosition).toBeGreaterThan(before.at(-1)!.position);
      expect(await store.headPosition()).toBe(result.lastPosition);
    });

    it('stores data and metadata as jsonb, so SQL can query them', async () => {
      const store = await context.open();
      await store.append('s-1', 'Thing', [newEvent('A', { total: { cents: 1999 } }, { metadata: { userId: 'u-9' } })], {
        expectedVersion: 'no_stream',
      });

      const { rows } = await context.pool.query(
        `SELECT (data->'total'->>'cents')::int AS cents, metadata->>'userId' AS user_id FROM events`,
      );
      expect(rows).toEqual([{ cents: 1999, user_id: 'u-9' }]);
    });

    it('answers SERVICE_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
      const store = new PostgresEventStore(createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' }), 'unused');
      context.track(store);

      const error = await store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'any' }).catch((e) => e);

      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error.message).toMatch(/not stored.*cannot be reached.*ECONNREFUSED/);
      expect(await store.headPosition().catch((e) => e)).toBeInstanceOf(StorageUnavailableError);
    });

    it('works on after the server ends its connections, as a restart does', async () => {
      const store = await context.open();
      await store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });

      const { rows } = await context.pool.query(
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
        [`orderstream event store (${context.schema})`],
      );
      expect(rows.length).toBeGreaterThan(0);

      // A pooled connection may be handed out before its end is noticed: each such call answers
      // SERVICE_UNAVAILABLE (nothing stored), and the pool replaces the connection.
      const append = () => store.append('s-1', 'Thing', [newEvent('B', {})], { expectedVersion: 1 });
      let result = await append().catch((error: unknown) => error);
      for (let attempt = 1; attempt < 5 && result instanceof Error; attempt += 1) {
        expect(result).toBeInstanceOf(StorageUnavailableError);
        result = await append().catch((error: unknown) => error);
      }
      expect(result).toMatchObject({ nextVersion: 2 });
      expect(await store.readStream('s-1')).toHaveLength(2);
    });
  });
});

/** A schema per test, a pool on it for looking behind the store's back, and the stores the test opened. */
function describeWithSchema(
  name: string,
  body: (context: {
    readonly schema: string;
    readonly pool: pg.Pool;
    open: () => Promise<PostgresEventStore>;
    track: (store: PostgresEventStore) => void;
  }) => void,
): void {
  let testSchema: TestSchema;
  let pool: pg.Pool;
  const opened: PostgresEventStore[] = [];
  const context = {
    get schema() {
      return testSchema.schema;
    },
    get pool() {
      return pool;
    },
    open: async () => {
      const store = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: testSchema.schema });
      opened.push(store);
      return store;
    },
    track: (store: PostgresEventStore) => {
      opened.push(store);
    },
  };
  describe(name, () => {
    beforeEach(async () => {
      testSchema = await createTestSchema();
      pool = new pg.Pool({ connectionString: POSTGRES_TEST_URL, options: `-c search_path=${testSchema.schema}`, max: 2 });
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
      await pool.end();
      await testSchema.drop();
    });
    body(context);
  });
}
