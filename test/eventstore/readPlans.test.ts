import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/eventstore/postgres/connection.js';
import { migrate } from '../../src/eventstore/postgres/schema.js';
import { SQL } from '../../src/eventstore/postgres/statements.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { prepareStatements } from '../../src/eventstore/sqlite/statements.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';

// Work done, not timing: each per-stream and several-stream read goes through an index, never a scan of the log.

describe('SQLite read plans', () => {
  const db = openDatabase(':memory:');
  const statements = prepareStatements(db);
  const plan = (sql: string, parameters: Record<string, unknown>) =>
    db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(parameters)
      .map((row) => (row as { detail: string }).detail);
  afterAll(() => db.close());

  it("reads one stream after a position through the stream's index, in index order", () => {
    const steps = plan(statements.readStreamAfter.source, { streamId: 'order-1', after: 10, types: null, limit: 500 });

    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH events USING INDEX \S+ \(stream_id=\?\)$/));
    expect(steps.join('\n')).not.toMatch(/SCAN events|PRIMARY KEY|TEMP B-TREE/);
  });

  it("reads several streams' events through each stream's index", () => {
    const steps = plan(statements.readStreams.source, {
      streamIds: '["order-1","order-2"]',
      after: 10,
      types: null,
      streamId: null,
      limit: 500,
    });

    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH events USING INDEX \S+ \(stream_id=\?\)$/));
    expect(steps.join('\n')).not.toMatch(/SCAN events|PRIMARY KEY/);
  });
});

await describeWithPostgres('PostgreSQL read plans', () => {
  let pool: pg.Pool;
  const log = migratedLog();
  /** The plan's nodes, depth first: their type and index. */
  const plan = async (sql: string, values: unknown[]) => {
    const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
    const nodes: { type: string; index?: string }[] = [];
    const walk = (node: { 'Node Type': string; 'Index Name'?: string; Plans?: unknown[] }) => {
      nodes.push({ type: node['Node Type'], index: node['Index Name'] });
      for (const child of node.Plans ?? []) walk(child as typeof node);
    };
    walk((rows[0]['QUERY PLAN'] as [{ Plan: Parameters<typeof walk>[0] }])[0].Plan);
    return nodes;
  };

  beforeAll(async () => {
    pool = log.pool();
    // 20,000 events: 2,000 orders of 200 customers, 10 events each; statistics as a live log would have them.
    await pool.query(`
      INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
      SELECT 'e-' || n, 'order-' || (n % 2000), 'Order', n / 2000 + 1, 'E', 1,
             jsonb_build_object('customerId', 'c-' || (n % 200)), '{}'::jsonb
      FROM generate_series(0, 19999) AS n`);
    await pool.query('ANALYZE events');
  });

  it("reads one stream after a position through the stream's index", async () => {
    const nodes = await plan(SQL.readStreamAfter, [10, 500, null, 'order-1']);

    expect(nodes.map((node) => node.index)).toContain('events_stream_id_version_key');
    expect(nodes.map((node) => node.type)).not.toContain('Seq Scan');
  });

  it("reads several streams' events through each stream's index", async () => {
    const nodes = await plan(SQL.readStreams, [10, 500, null, null, ['order-1', 'order-2']]);
    const indexes = nodes.map((node) => node.index).filter(Boolean);

    expect(indexes).toEqual(['events_stream_id_version_key']);
    expect(nodes.map((node) => node.type)).not.toContain('Seq Scan');
  });
});

await describeWithPostgres('PostgreSQL append plans', () => {
  let pool: pg.Pool;
  const log = migratedLog();
  beforeAll(async () => {
    pool = log.pool();
  });

  const append = (client: pg.PoolClient, streamId: string, eventIds: string[]) =>
    client.query(SQL.append, [
      streamId,
      'Order',
      0,
      null,
      null,
      eventIds,
      eventIds.map(() => 'E'),
      eventIds.map(() => 1),
      eventIds.map(() => ({})),
      eventIds.map(() => ({})),
    ]);

  it('appends through indexes, also in a session that planned its appends while the log was new', async () => {
    // A server's connections live long: they plan events_append's statements on a small log and keep the plans.
    const session = await pool.connect();
    try {
      for (let n = 0; n < 12; n++) await append(session, `young-${n}`, [`young-${n}-a`, `young-${n}-b`]);
      await pool.query(`
        INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
        SELECT 'old-' || n, 'old-' || n, 'Order', 1, 'E', 1, '{}'::jsonb, '{}'::jsonb FROM generate_series(1, 20000) AS n`);

      // The session's scans of events not yet reported to the statistics: before and after 20 appends.
      const scans = async () => {
        const { rows } = await session.query<{ seq_scan: string; idx_scan: string }>(
          "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'events'::regclass",
        );
        return { seq: Number(rows[0]!.seq_scan), index: Number(rows[0]!.idx_scan) };
      };
      await session.query('BEGIN');
      const before = await scans();
      for (let n = 0; n < 20; n++) await append(session, `grown-${n}`, [`grown-${n}-a`, `grown-${n}-b`]);
      const after = await scans();
      await session.query('COMMIT');

      expect(after.index - before.index).toBeGreaterThanOrEqual(20);
      expect(after.seq - before.seq).toBe(0);
    } finally {
      session.release();
    }
  });
});

await describeWithPostgres('PostgreSQL command lookup plans', () => {
  let pool: pg.Pool;
  const log = migratedLog();
  beforeAll(async () => {
    pool = log.pool();
    // 20,000 events with command ids and no statistics gathered since: a log that grew while autovacuum was off or behind.
    await pool.query(`
      INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, data, metadata)
      SELECT 'e-' || n, 'order-' || n, 'Order', 1, 'E', 1, '{}'::jsonb, jsonb_build_object('commandId', 'command-' || n)
      FROM generate_series(1, 20000) AS n`);
  });

  it("finds the order process's keys, hundreds at a time, through the commandId index, never a scan of the log", async () => {
    // The order process looks up every command it may send for a batch of orders: five keys an order.
    const keys = Array.from({ length: 500 }, (_, n) => `command-${n * 40}`);
    const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${SQL.recordedCommands}`, [keys]);
    const plan = JSON.stringify(rows[0]['QUERY PLAN']);

    expect(plan).toContain('"Index Name":"events_by_command_id"');
    expect(plan).not.toContain('Seq Scan');
    const found = await pool.query(SQL.recordedCommands, [['command-40', 'command-80', 'missing']]);
    expect(found.rows.map((row) => [row.command_id, row.stream_id, row.types])).toEqual([
      ['command-40', 'order-40', ['E']],
      ['command-80', 'order-80', ['E']],
    ]);
  });

  it('never compiles a lookup with JIT, however high the stale estimate of its cost', async () => {
    const keys = Array.from({ length: 2000 }, (_, n) => `command-${n * 10}`);
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${SQL.recordedCommands}`, [keys]);
    const [analyzed] = rows[0]['QUERY PLAN'] as [{ Plan: { 'Total Cost': number }; JIT?: unknown }];

    // Above the default jit_above_cost (100,000): PostgreSQL's JIT would compile it, some 10 ms.
    expect(analyzed.Plan['Total Cost']).toBeGreaterThan(100_000);
    expect(analyzed.JIT).toBeUndefined();
  });
});

/** A fresh schema with the log's tables and a pool on it, for one describe block; dropped after it. */
function migratedLog(): { pool: () => pg.Pool } {
  let schema: TestSchema | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    schema = await createTestSchema();
    pool = createPool({ connectionString: POSTGRES_TEST_URL, schema: schema.schema });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await schema?.drop();
  });
  return { pool: () => pool! };
}
