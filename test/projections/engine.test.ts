import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { ProjectionEngine, ReadModelUnavailableError } from '../../src/projections/engine.js';
import type { ProjectionDefinition } from '../../src/projections/projection.js';
import { orderViewProjection } from '../../src/projections/orderView/projection.js';
import type { OrderViewChange } from '../../src/projections/orderView/view.js';

describe('ProjectionEngine', () => {
  let directory: string;
  let db: Database.Database;
  let store: SqliteEventStore;
  let engine: ProjectionEngine | undefined;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-engine-'));
    db = openDatabase(join(directory, 'orderstream.db'));
    store = new SqliteEventStore(db);
    await writeOrders(new OrderCommands(store));
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const startEngine = async (definitions: ProjectionDefinition<any>[], batchSize = 2) => {
    const started = new ProjectionEngine(db, store, definitions, { batchSize, rebuildBatchSize: batchSize });
    engine = started;
    await started.start();
    // New projections build in the background; wait until none is building.
    await waitUntil(async () => (await started.status()).every((status) => status.state !== 'BUILDING'));
    return started;
  };

  describe('when started on a log', () => {
    it('should refuse a subscriber its live position while the first build runs, and give it once live', async () => {
      const building = new ProjectionEngine(db, store, [orderViewProjection()], { batchSize: 2, rebuildBatchSize: 2 });
      engine = building;
      await building.start();
      // The build goes on in the background a batch at a time; it has not announced anything.
      expect(() => building.livePosition('orderView')).toThrow(ReadModelUnavailableError);
      await waitUntil(async () => (await building.status()).every((status) => status.state === 'LIVE'));
      expect(building.livePosition('orderView')).toBe(await store.headPosition());
    });

    it('should apply the log and report the projection live at the head', async () => {
      const engine = await startEngine([orderViewProjection()]);
      const head = await store.headPosition();
      expect(await engine.status()).toMatchObject([
        { name: 'orderView', version: 1, state: 'LIVE', position: head, headPosition: head, lagEvents: 0, lagMs: 0, lastError: null },
      ]);
      expect(db.prepare('SELECT order_id, status, version FROM order_views ORDER BY order_id').all()).toEqual([
        { order_id: 'o-1', status: 'SHIPPED', version: 3 },
        { order_id: 'o-2', status: 'CANCELLED', version: 2 },
        { order_id: 'o-3', status: 'PENDING', version: 1 },
      ]);
    });

    it('should announce each event applied after the first build, with the view as of that event', async () => {
      const announced: OrderViewChange[] = [];
      const engine = await startEngine([orderViewProjection((changes) => announced.push(...changes))]);
      expect(announced).toEqual([]); // history built at start-up is no news to subscribers

      const commands = new OrderCommands(store);
      await commands.execute(
        { type: 'ReceivePayment', data: { orderId: 'o-3', paymentId: 'p3', amountMinor: 5998, method: 'card', now: NOW } },
        META,
      );
      await commands.execute(
        { type: 'ShipOrder', data: { orderId: 'o-3', trackingNumber: 'T3', carrier: 'UPS', estimatedDelivery: null, now: NOW } },
        META,
      );
      await engine.waitFor(await store.headPosition());
      expect(announced.map(({ view }) => [view.id, view.status, view.version])).toEqual([
        ['o-3', 'PAID', 2],
        ['o-3', 'SHIPPED', 3],
      ]);
    });

    it('should have no second effect when every event is applied again', async () => {
      await startEngine([orderViewProjection()]);
      const live = dumpOrderViews(db);
      await engine!.stop();
      db.prepare('UPDATE projection_generations SET position = 0').run();
      await startEngine([orderViewProjection()]);
      expect(dumpOrderViews(db)).toEqual(live);
    });
  });

  describe('when rebuilding', () => {
    it('should build fresh tables equal to the live ones and swap them in', async () => {
      const announced: OrderViewChange[] = [];
      const engine = await startEngine([orderViewProjection((changes) => announced.push(...changes))]);
      const live = dumpOrderViews(db);
      const announcedBefore = announced.length;
      const progress: number[] = [];

      await engine.rebuild('orderView', (position) => progress.push(position));

      expect(dumpOrderViews(db)).toEqual(live);
      expect(announced).toHaveLength(announcedBefore); // a rebuild repeats nothing to subscribers
      expect(progress.at(-1)).toBe(await store.headPosition());
      expect(tableNames(db)).toEqual(['order_view_items__g2', 'order_views__g2']);

      // The swapped-in generation is live: new events reach it and are announced.
      await new OrderCommands(store).execute({ type: 'CancelOrder', data: { orderId: 'o-3', reason: 'after rebuild', now: NOW } }, META);
      await engine.waitFor(await store.headPosition());
      expect(db.prepare("SELECT status FROM order_views WHERE order_id = 'o-3'").pluck().get()).toBe('CANCELLED');
      expect(announced.at(-1)!.view).toMatchObject({ id: 'o-3', status: 'CANCELLED' });
    });

    it('should rebuild from zero at start-up when the version changes', async () => {
      await startEngine([orderViewProjection()]);
      const live = dumpOrderViews(db);
      await engine!.stop();

      const next = { ...orderViewProjection(), version: 2 };
      const restarted = await startEngine([next]);
      expect((await restarted.status())[0]).toMatchObject({ version: 2, position: await store.headPosition() });
      expect(dumpOrderViews(db)).toEqual(live);
      expect(tableNames(db)).toEqual(['order_view_items__g2', 'order_views__g2']);
    });
  });

  describe('when a projection throws on an event', () => {
    it('should stop that projection only, report the event, and resume after a retry', async () => {
      const failing = failingProjection(3);
      const engine = await startEngine([orderViewProjection(), failing.definition]);
      const head = await store.headPosition();

      const [orderView, counter] = await engine.status();
      expect(orderView).toMatchObject({ state: 'LIVE', position: head });
      expect(counter).toMatchObject({ name: 'eventCounter', state: 'FAILED', position: 2, lagEvents: head - 2 });
      expect(counter!.lastError).toMatchObject({ position: 3, eventType: 'OrderPlaced', message: 'bug in eventCounter' });
      expect(counter!.lagMs).toBeGreaterThan(0); // the unapplied event was written in 2025

      // Read-your-writes does not hang on the failed projection.
      await engine.waitFor(head);

      failing.fix();
      await engine.retry('eventCounter');
      expect((await engine.status())[1]).toMatchObject({ state: 'LIVE', position: head, lastError: null });
      expect(db.prepare('SELECT count(*) FROM event_counts').pluck().get()).toBe(head);
    });
  });
});

const NOW = '2025-01-10T10:00:00.000Z';
const META = { userId: 'test', correlationId: 'engine-test' };

async function writeOrders(commands: OrderCommands): Promise<void> {
  const items = [{ productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 }];
  for (const orderId of ['o-1', 'o-2', 'o-3']) {
    await commands.execute({ type: 'PlaceOrder', data: { orderId, customerId: 'c-1', items, currency: 'USD', now: NOW } }, META);
  }
  await commands.execute(
    { type: 'ReceivePayment', data: { orderId: 'o-1', paymentId: 'pay', amountMinor: 5998, method: 'card', now: NOW } },
    META,
  );
  await commands.execute(
    { type: 'ShipOrder', data: { orderId: 'o-1', trackingNumber: 'T', carrier: 'UPS', estimatedDelivery: null, now: NOW } },
    META,
  );
  await commands.execute({ type: 'CancelOrder', data: { orderId: 'o-2', reason: 'no', now: NOW } }, META);
}

/** A projection that counts events and throws on one position until fixed. */
function failingProjection(failOnPosition: number) {
  let broken = true;
  const definition: ProjectionDefinition = {
    name: 'eventCounter',
    version: 1,
    tables: { event_counts: (table) => `CREATE TABLE ${table} (position INTEGER PRIMARY KEY) STRICT` },
    create(db, tables) {
      const insert = db.prepare(`INSERT OR IGNORE INTO ${tables.event_counts} (position) VALUES (?)`);
      return {
        apply(event) {
          if (broken && event.position === failOnPosition) throw new Error('bug in eventCounter');
          insert.run(event.position);
          return undefined;
        },
      };
    },
  };
  return { definition, fix: () => (broken = false) };
}

function dumpOrderViews(db: Database.Database) {
  return {
    orders: db.prepare('SELECT * FROM order_views ORDER BY order_id').all(),
    items: db.prepare('SELECT * FROM order_view_items ORDER BY order_id, line_number').all(),
  };
}

function tableNames(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'order_view%' ORDER BY name")
    .pluck()
    .all() as string[];
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached in 5 s');
}
