import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import type { Projection } from '../../src/projections/projection.js';
import { orderViewProjection } from '../../src/projections/orderView/projection.js';
import type { OrderViewChange } from '../../src/projections/orderView/view.js';
import { ProjectionRunner } from '../../src/projections/runner.js';

describe('ProjectionRunner with the order view', () => {
  let directory: string;
  let db: Database.Database;
  let store: SqliteEventStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-runner-'));
    db = openDatabase(join(directory, 'orderstream.db'));
    store = new SqliteEventStore(db);
    await writeOrders(new OrderCommands(store));
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('should apply the log and move the checkpoint to the head', async () => {
    const runner = new ProjectionRunner(db, store, orderViewProjection(db), { batchSize: 2 });
    await runner.catchUp();
    expect(runner.position).toBe(await store.headPosition());
    expect(checkpoint(db)).toBe(runner.position);
    expect(db.prepare('SELECT order_id, status, version FROM order_views ORDER BY order_id').all()).toEqual([
      { order_id: 'o-1', status: 'SHIPPED', version: 3 },
      { order_id: 'o-2', status: 'CANCELLED', version: 2 },
      { order_id: 'o-3', status: 'PENDING', version: 1 },
    ]);
  });

  it('should have no second effect when events are replayed, and rebuild to the same tables', async () => {
    await new ProjectionRunner(db, store, orderViewProjection(db)).catchUp();
    const live = dumpReadTables(db);

    // Replay over the existing rows: the checkpoint forgotten, every event applied again.
    db.prepare('DELETE FROM projection_checkpoints').run();
    await new ProjectionRunner(db, store, orderViewProjection(db)).catchUp();
    expect(dumpReadTables(db)).toEqual(live);

    // Rebuild from nothing.
    db.exec('DELETE FROM order_view_items; DELETE FROM order_views; DELETE FROM projection_checkpoints;');
    await new ProjectionRunner(db, store, orderViewProjection(db)).catchUp();
    expect(dumpReadTables(db)).toEqual(live);
  });

  it('should roll back a failing batch with its checkpoint, and resume from there once fixed', async () => {
    const failOnPosition = 3;
    let broken = true;
    const inner = orderViewProjection(db);
    const flaky: Projection<OrderViewChange> = {
      name: inner.name,
      apply(event) {
        if (broken && event.position === failOnPosition) throw new Error('projection bug');
        return inner.apply(event);
      },
    };
    const runner = new ProjectionRunner(db, store, flaky, { batchSize: 100 });
    const waiting = runner.waitFor(await store.headPosition());
    await expect(waiting).rejects.toThrow('projection bug');
    expect(runner.position).toBe(0);
    expect(checkpoint(db)).toBeUndefined();
    expect(db.prepare('SELECT count(*) FROM order_views').pluck().get()).toBe(0);

    broken = false;
    await runner.catchUp();
    expect(runner.position).toBe(await store.headPosition());
    expect(db.prepare('SELECT count(*) FROM order_views').pluck().get()).toBe(3);
  });

  it('should announce each applied event with the view as of that event', async () => {
    const announced: OrderViewChange[] = [];
    const runner = new ProjectionRunner(db, store, orderViewProjection(db, (changes) => announced.push(...changes)));
    await runner.catchUp();
    const o1 = announced.filter(({ view }) => view.id === 'o-1').map(({ view }) => [view.status, view.version]);
    expect(o1).toEqual([
      ['PENDING', 1],
      ['PAID', 2],
      ['SHIPPED', 3],
    ]);
  });
});

async function writeOrders(commands: OrderCommands): Promise<void> {
  const meta = { userId: 'test', correlationId: 'runner-test' };
  const now = '2025-01-10T10:00:00.000Z';
  const items = [{ productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 }];
  for (const orderId of ['o-1', 'o-2', 'o-3']) {
    await commands.execute({ type: 'PlaceOrder', data: { orderId, customerId: 'c-1', items, currency: 'USD', now } }, meta);
  }
  await commands.execute(
    { type: 'ReceivePayment', data: { orderId: 'o-1', paymentId: 'pay', amountMinor: 5998, method: 'card', now } },
    meta,
  );
  await commands.execute(
    { type: 'ShipOrder', data: { orderId: 'o-1', trackingNumber: 'T', carrier: 'UPS', estimatedDelivery: null, now } },
    meta,
  );
  await commands.execute({ type: 'CancelOrder', data: { orderId: 'o-2', reason: 'no', now } }, meta);
}

function checkpoint(db: Database.Database): number | undefined {
  return db.prepare("SELECT position FROM projection_checkpoints WHERE name = 'orderView'").pluck().get() as number | undefined;
}

function dumpReadTables(db: Database.Database) {
  return {
    orders: db.prepare('SELECT * FROM order_views ORDER BY order_id').all(),
    items: db.prepare('SELECT * FROM order_view_items ORDER BY order_id, line_number').all(),
  };
}
