import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { LogStats } from '../../src/cli/stats.js';
import { CATALOG, planSeed } from '../../src/cli/seedPlan.js';
import { readModels } from '../../src/projections/definitions.js';
import { GetOrderDocument, GetProductDocument, ListOrdersDocument } from '../generated/graphql.js';
import { requestData } from '../support/graphqlClient.js';
import { newTempDirectory, startTestServer } from '../support/startServer.js';
import { orderViewModel } from '../../src/projections/orderView/readModel.js';

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
const statsOf = async (databaseFile: string): Promise<LogStats> =>
  JSON.parse((await cli(['stats', '--json'], { ORDERSTREAM_DB: databaseFile })).stdout) as LogStats;

describe('orderstream seed, stats, export and import', () => {
  it('should seed a demo log, and an exported and imported copy should have the same counts', async () => {
    const directory = newTempDirectory();
    const source = join(directory, 'seeded.db');

    const seeded = await cli(['seed', '--orders', '30', '--seed', '7'], { ORDERSTREAM_DB: source });

    expect(seeded.stderr).toMatch(/\[#{30}\] (\d+)\/\1 commands/);
    const summary =
      /Seeded .*: 30 orders of 8 customers, 14 products; (\d+) pending, (\d+) paid, (\d+) shipped, (\d+) cancelled \((\d+) out of stock, (\d+) not paid in time\); (\d+) events; payments (.*), refunds (.*); in [\d.]+ s/.exec(
        seeded.stdout,
      );
    expect(summary, seeded.stdout).not.toBeNull();
    const [pending, paid, shipped, cancelled] = summary!.slice(1, 5).map(Number);
    expect(pending! + paid! + shipped! + cancelled!).toBe(30);
    // Orders of days ago left unpaid expired; the last few, of the last minutes, may still be pending.
    expect(Number(summary![6])).toBeGreaterThan(0);
    expect(Number(summary![5]) + Number(summary![6])).toBeLessThanOrEqual(cancelled!);
    expect(summary![8]).toMatch(/^(EUR [\d,]+\.\d{2}, )?USD [\d,]+\.\d{2}$/);

    const before = await statsOf(source);
    expect(before.events.count).toBe(Number(summary![7]));
    expect(before.events.headPosition).toBe(before.events.count);
    expect(before.streams.byType.Order).toEqual({ streams: 30, events: expect.any(Number) });
    expect(before.streams.byType.Product!.streams).toBe(14);
    expect(Object.keys(before.events.byType)).toEqual(
      expect.arrayContaining(['OrderPlaced', 'PaymentReceived', 'OrderShipped', 'OrderCancelled', 'StockReserved']),
    );
    // Everything is caught up: the read models were built and the order process ran with the seed.
    for (const consumer of [...before.projections, ...before.processes]) {
      expect(consumer).toMatchObject({ position: before.events.headPosition, lagEvents: 0, state: 'caught up' });
    }
    expect(before.processes.map((process) => process.name)).toEqual(['orderFulfilment', 'paymentExpiry']);

    const human = await cli(['stats'], { ORDERSTREAM_DB: source });
    expect(human.stdout).toContain(`events       ${before.events.count}, head position ${before.events.headPosition}`);
    expect(human.stdout).toMatch(/streams {6}44: Order 30 \(\d+ events\), Product 14 \(\d+ events\)/);
    expect(human.stdout).toMatch(new RegExp(`orderView +${orderViewModel.version} +[\\d,]+ +0 +caught up`));

    const logFile = join(directory, 'log.ndjson');
    await cli(['export', logFile], { ORDERSTREAM_DB: source });
    const copy = join(directory, 'copy.db');
    await cli(['import', logFile], { ORDERSTREAM_DB: copy });

    const after = await statsOf(copy);
    expect(after.events).toEqual(before.events);
    expect(after.streams).toEqual(before.streams);
    // Nothing has read the copy yet: its read models build when a server starts on it.
    expect(after.projections.map((projection) => projection.state)).toEqual(readModels.map(() => 'not built'));
    expect(after.processes).toEqual(
      ['orderFulfilment', 'paymentExpiry'].map((name) => ({ name, position: 0, lagEvents: after.events.headPosition, state: 'behind' })),
    );
  });

  it('should give the same data set for the same seed, and answer queries on it at once', async () => {
    const directory = newTempDirectory();
    const [first, second, other] = ['first.db', 'second.db', 'other.db'].map((name) => join(directory, name));
    await Promise.all([
      cli(['seed', '--orders', '12', '--seed', '99'], { ORDERSTREAM_DB: first! }),
      cli(['seed', '--orders', '12', '--seed', '99'], { ORDERSTREAM_DB: second! }),
      cli(['seed', '--orders', '12', '--seed', '100'], { ORDERSTREAM_DB: other! }),
    ]);

    expect(eventsWithoutTimes(second!)).toEqual(eventsWithoutTimes(first!));
    expect(eventsWithoutTimes(other!)).not.toEqual(eventsWithoutTimes(first!));

    // Money is exact: every payment equals its order's total, in cents.
    const rows = eventsWithoutTimes(first!);
    const totals = new Map(rows.filter((row) => row.type === 'OrderPlaced').map((row) => [row.data.orderId, row.data.totalMinor]));
    for (const payment of rows.filter((row) => row.type === 'PaymentReceived')) {
      expect(Number.isSafeInteger(payment.data.amountMinor)).toBe(true);
      expect(payment.data.amountMinor).toBe(totals.get(payment.data.orderId));
    }

    const server = await startTestServer({ databaseFile: first! });
    const { orders } = await requestData(server.url, ListOrdersDocument, { first: 100 });
    expect(orders.totalCount).toBe(12);
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'ord-0001' });
    expect(order).toMatchObject({ id: 'ord-0001', customerId: expect.stringMatching(/^cust-\d{3}$/) });
    // The catalog is priced: the products carry the plan's prices.
    const { product } = await requestData(server.url, GetProductDocument, { id: 'widget' });
    expect(product).toMatchObject({ name: 'Widget', price: { amount: '29.99', currency: 'USD' } });
    await server.dispose();
  });

  it('should plan every status, out-of-stock orders, and nothing after now', () => {
    const now = Date.parse('2025-06-30T12:00:00Z');
    const plan = planSeed({ orders: 200, seed: 1 }, now);
    const kinds = new Set(plan.actions.map((action) => action.kind));
    expect([...kinds].sort()).toEqual(['addProduct', 'cancel', 'pay', 'place', 'restock', 'ship']);
    expect(plan.actions.every((action) => action.at <= now)).toBe(true);
    expect(plan.actions.map((action) => action.at)).toEqual([...plan.actions.map((action) => action.at)].sort((a, b) => a - b));
    // Scarce products have less stock than the orders want.
    const wanted = (productId: string) =>
      plan.actions
        .flatMap((action) => (action.kind === 'place' ? action.items : []))
        .filter((item) => item.productId === productId)
        .reduce((sum, item) => sum + item.quantity, 0);
    const stock = (productId: string) => plan.actions.find((action) => action.kind === 'addProduct' && action.productId === productId);
    expect((stock('standing-desk') as { quantity: number }).quantity).toBeLessThan(wanted('standing-desk'));
    expect(stock('gift-card-25')).toBeUndefined();
    // Every product inventory tracks is added with its catalog price.
    for (const product of CATALOG.filter((entry) => entry.stockShare !== undefined)) {
      expect(stock(product.productId)).toMatchObject({ unitPriceMinor: product.unitPriceMinor, currency: 'USD' });
    }
  });
});

describe('orderstream on bad arguments', () => {
  it('should exit 1 with a clear message', async () => {
    const databaseFile = join(newTempDirectory(), 'missing.db');
    await expect(cli(['seed', '--orders', '-1'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        "error: option '--orders <count>' argument '-1' is invalid. the number of orders is a whole number from 1 to 100,000",
      ),
    });
    await expect(cli(['seed', '--seed', 'abc'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('a seed is a whole number'),
    });
    await expect(cli(['stats'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`orderstream: There is no event log at ${databaseFile} (set ORDERSTREAM_DB)`),
    });
    await expect(cli(['frobnicate'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: unknown command 'frobnicate'"),
    });
    await expect(cli(['stats', '--verbose'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error: unknown option '--verbose'"),
    });
    await expect(cli(['seed'], { ORDERSTREAM_DB: databaseFile, ORDERSTREAM_SYNCHRONOUS: 'SOMETIMES', PORT: 'x' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /Invalid configuration:\n- PORT must be 0–65535, got "x"\n- ORDERSTREAM_SYNCHRONOUS must be FULL or NORMAL/,
      ),
    });
  });

  it('should refuse to seed a log that holds events', async () => {
    const databaseFile = join(newTempDirectory(), 'seeded.db');
    await cli(['seed', '--orders', '3'], { ORDERSTREAM_DB: databaseFile });
    await expect(cli(['seed', '--orders', '3'], { ORDERSTREAM_DB: databaseFile })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/holds \d+ events already; seed fills an empty log/),
    });
  });

  it('should show help for every command', async () => {
    const { stdout } = await cli(['--help']);
    const commands = ['serve', 'seed', 'stats', 'rebuild', 'token', 'export', 'import'];
    for (const command of commands) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const helps = await Promise.all(commands.map((command) => cli([command, '--help'])));
    for (const [index, help] of helps.entries()) expect(help.stdout).toContain(`Usage: orderstream ${commands[index]}`);
  });
});

type EventRow = { streamId: string; version: number; type: string; data: Record<string, any> };

/** The log without what differs between runs: event ids, metadata and times. */
function eventsWithoutTimes(databaseFile: string): EventRow[] {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return db
      .prepare<[], { streamId: string; version: number; type: string; data: string }>(
        'SELECT stream_id AS streamId, version, type, data FROM events ORDER BY position',
      )
      .all()
      .map((row) => ({
        ...row,
        data: JSON.parse(row.data, (key, value) => (/At$|^estimatedDelivery$/.test(key) ? undefined : value)) as Record<string, any>,
      }));
  } finally {
    db.close();
  }
}
