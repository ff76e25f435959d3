import pg from 'pg';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import type { LogStats } from '../../src/cli/stats.js';
import { openPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { answersOfEveryQuery, createOrdersInEveryState } from '../support/ordersInEveryState.js';
import { settled } from '../support/processes.js';
import { newTempDirectory, startTestServer } from '../support/startServer.js';

const run = promisify(execFile);

async function statsOf(env: Record<string, string>): Promise<LogStats> {
  const { code, stdout, stderr } = await cli(['stats', '--json'], env);
  if (code !== 0) throw new Error(`stats failed: ${stderr}`);
  return JSON.parse(stdout) as LogStats;
}

/** The CLI with `env`; resolves with its exit code and output, whatever the code. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

await describeWithPostgres('The CLI with DATABASE_URL (the log in PostgreSQL)', () => {
  let schema: TestSchema;
  let store: PostgresEventStore;
  let env: Record<string, string>;
  const directory = newTempDirectory();

  beforeAll(async () => {
    schema = await createTestSchema();
    store = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: schema.schema });
    const orders = new OrderCommands(store);
    const now = new Date().toISOString();
    for (const orderId of ['cli-1', 'cli-2']) {
      const items = [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 500 }];
      await orders.execute(
        { type: 'PlaceOrder', data: { orderId, customerId: 'cust-1', currency: 'USD', items, now } },
        { userId: 'test', correlationId: orderId, occurredAt: now },
      );
    }
    env = { DATABASE_URL: POSTGRES_TEST_URL, DATABASE_SCHEMA: schema.schema, ORDERSTREAM_DB: join(directory, 'read-side.db') };
  });

  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  it('should export the log from PostgreSQL', async () => {
    const file = join(directory, 'log.ndjson');
    const { code, stderr } = await cli(['export', file], env);
    expect(stderr).toMatch(new RegExp(`Exported 2 events \\(positions 1–2\\) from PostgreSQL \\(schema ${schema.schema}\\)`));
    expect(code).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { streamId: string; position: number });
    expect(lines.map(({ streamId, position }) => [streamId, position])).toEqual([
      ['order-cli-1', 1],
      ['order-cli-2', 2],
    ]);
  });

  it('should rebuild the shared read models in PostgreSQL without a server, leading them itself', async () => {
    const readSide = new pg.Client({ connectionString: POSTGRES_TEST_URL, options: `-c search_path=${schema.schema}` });
    await readSide.connect();
    try {
      // The first run builds the read models (no server has); the rebuild then swaps in a new generation.
      const { code, stderr } = await cli(['rebuild', 'orderView', '--offline'], env);
      expect(stderr).toMatch(/Rebuilding orderView in PostgreSQL \(schema os_/);
      expect(code).toBe(0);
      const orders = await readSide.query('SELECT order_id FROM order_views ORDER BY order_id');
      expect(orders.rows.map((row) => row.order_id)).toEqual(['cli-1', 'cli-2']);
      const generations = await readSide.query("SELECT generation, live FROM read_model_generations WHERE name = 'orderView'");
      expect(generations.rows).toEqual([{ generation: 2, live: true }]);
    } finally {
      await readSide.end();
    }
  });

  it('should move a SQLite log into PostgreSQL, where a running server answers every query as the SQLite one did', async () => {
    const source = await startTestServer();
    const { orderIds, customerIds } = await createOrdersInEveryState(source.url);
    const before = await answersOfEveryQuery(source.url, orderIds, customerIds);
    await source.dispose();
    const logFile = join(directory, 'from-sqlite.ndjson');
    expect((await cli(['export', logFile], { ORDERSTREAM_DB: source.databaseFile })).code).toBe(0);

    const target = await createTestSchema();
    const readSideFile = join(directory, 'moved-read-side.db');
    const postgres = { connectionString: POSTGRES_TEST_URL, schema: target.schema };
    // Started on the empty schema: the import's events reach it as any other instance's appends would.
    const server = await startTestServer({ databaseFile: readSideFile, config: { postgres } });
    try {
      const targetEnv = { DATABASE_URL: POSTGRES_TEST_URL, DATABASE_SCHEMA: target.schema, ORDERSTREAM_DB: readSideFile };
      const first = await cli(['import', logFile], targetEnv);
      expect(first.stderr).toContain(`into PostgreSQL (schema ${target.schema})`);
      expect(first.stderr).toMatch(/Imported 14 events \(positions 1–14\), skipped 0 stored already, of 14 in the file/);
      expect(first.code).toBe(0);
      const again = await cli(['import', logFile], targetEnv);
      expect(again.stderr).toContain('Imported 0 events, skipped 14 stored already, of 14 in the file');

      await settled(server.url);
      // The same positions too (the target was empty), so the answers are equal, cursors included.
      expect(await answersOfEveryQuery(server.url, orderIds, customerIds)).toEqual(before);

      // stats reads the same log there, the read models caught up, and the process's checkpoint in the instance's file.
      const stats = await statsOf(targetEnv);
      const sqliteStats = await statsOf({ ORDERSTREAM_DB: source.databaseFile });
      expect(stats.log).toBe(`PostgreSQL (schema ${target.schema})`);
      expect(stats.events).toEqual(sqliteStats.events);
      expect(stats.streams).toEqual(sqliteStats.streams);
      for (const consumer of [...stats.projections, ...stats.processes]) {
        expect(consumer).toMatchObject({ position: 14, lagEvents: 0, state: 'caught up' });
      }
      expect(stats.projections.map(({ name }) => name)).toEqual(sqliteStats.projections.map(({ name }) => name));
      expect(stats.postgresSizes!.eventsBytes).toBeGreaterThan(0);
      expect(stats.postgresSizes!.readModelsBytes).toBeGreaterThan(0);
      const human = await cli(['stats'], targetEnv);
      expect(human.stdout).toContain(`Event log PostgreSQL (schema ${target.schema})`);
      expect(human.stdout).toMatch(/size {9}events [\d.]+ KiB, read models [\d.]+ (KiB|MiB) \(tables with their indexes\)/);
      expect(human.stdout).toMatch(/orderView +\d+ +14 +0 +caught up/);
    } finally {
      await server.dispose();
      await target.drop();
    }
  });

  it('should refuse an import that conflicts with the log in PostgreSQL, say where, and write nothing', async () => {
    const [placed] = await store.readAll();
    const newStream = (version: number) => ({ ...placed, eventId: `new-${version}`, streamId: 'order-new', version });
    const file = join(directory, 'conflicting.ndjson');
    writeFileSync(file, [newStream(1), newStream(2), { ...placed, eventId: 'another-id' }].map((e) => `${JSON.stringify(e)}\n`).join(''));
    const head = await store.headPosition();

    const { code, stderr } = await cli(['import', file], env);

    expect(stderr).toContain(
      `orderstream: line 3: stream ${placed!.streamId} is at version 1 in the target, the file's event another-id expects version 1 to be next`,
    );
    expect(code).toBe(1);
    expect(await store.headPosition()).toBe(head);
  });

  it('should seed the same data set into PostgreSQL as into SQLite, read models built, and refuse to seed it twice', async () => {
    const target = await createTestSchema();
    try {
      const targetEnv = {
        DATABASE_URL: POSTGRES_TEST_URL,
        DATABASE_SCHEMA: target.schema,
        ORDERSTREAM_DB: join(directory, 'seeded-read-side.db'),
      };
      const sqliteFile = join(directory, 'seeded.db');
      const [seeded, sqliteSeeded] = await Promise.all([
        cli(['seed', '--orders', '30', '--seed', '7'], targetEnv),
        cli(['seed', '--orders', '30', '--seed', '7'], { ORDERSTREAM_DB: sqliteFile }),
      ]);
      expect(seeded.stdout).toContain(`Seeded PostgreSQL (schema ${target.schema}): 30 orders of 8 customers, 14 products;`);
      expect(seeded.code).toBe(0);
      // The same commands and the same answers to them: the same summary, and the same log but for ids and times.
      const summary = (output: string) => output.replace(/^Seeded [^:]+: /, '').replace(/; in [\d.]+ s\n$/, '');
      expect(summary(seeded.stdout)).toBe(summary(sqliteSeeded.stdout));
      const [stats, sqliteStats] = [await statsOf(targetEnv), await statsOf({ ORDERSTREAM_DB: sqliteFile })];
      expect(stats.streams).toEqual(sqliteStats.streams);
      expect(stats.events.byType).toEqual(sqliteStats.events.byType);
      for (const consumer of [...stats.projections, ...stats.processes]) {
        expect(consumer).toMatchObject({ position: stats.events.headPosition, lagEvents: 0, state: 'caught up' });
      }

      const again = await cli(['seed'], targetEnv);
      expect(again.stderr).toContain(
        `orderstream: PostgreSQL (schema ${target.schema}) holds ${stats.events.count} events already; seed fills an empty log`,
      );
      expect(again.code).toBe(1);
    } finally {
      await target.drop();
    }
  });

  it('should say so when the schema holds no log, for stats', async () => {
    const empty = await createTestSchema();
    try {
      const { code, stderr } = await cli(['stats'], { ...env, DATABASE_SCHEMA: empty.schema });
      expect(stderr).toContain(`orderstream: PostgreSQL (schema ${empty.schema}) holds no orderstream event log: it has no events table`);
      expect(code).toBe(1);
    } finally {
      await empty.drop();
    }
  });
});
