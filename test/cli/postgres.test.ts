import pg from 'pg';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { openPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { newTempDirectory } from '../support/startServer.js';

const run = promisify(execFile);

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
      await orders.execute({ type: 'PlaceOrder', data: { orderId, customerId: 'cust-1', currency: 'USD', items, now } }, { userId: 'test', correlationId: orderId, occurredAt: now });
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
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { streamId: string; position: number });
    expect(lines.map(({ streamId, position }) => [streamId, position])).toEqual([['order-cli-1', 1], ['order-cli-2', 2]]);
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

  it.each(['stats', 'seed', 'import log.ndjson'])('should refuse %s, saying it is not supported with DATABASE_URL yet', async (command) => {
    const { code, stderr } = await cli(command.split(' '), env);
    expect(code).toBe(1);
    expect(stderr).toContain(`orderstream: ${command.split(' ')[0]} is not supported with DATABASE_URL yet`);
  });
});
