import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { type ChangeSink, ReadModelUnavailableError } from '../../src/projections/contracts.js';
import { orderViewModel } from '../../src/projections/orderView/readModel.js';
import type { OrderViewChange } from '../../src/projections/orderView/view.js';
import type { AnyReadModel, ReadModel, Row } from '../../src/projections/readModel.js';
import { ProjectionEngine } from '../../src/projections/sqlite/engine.js';

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

  const startEngine = async (definitions: AnyReadModel[], batchSize = 2, feeds?: Record<string, ChangeSink>) => {
    const started = new ProjectionEngine(db, store, definitions, { batchSize, rebuildBatchSize: batchSize, feeds });
    engine = started;
    await started.start();
    // New projections build in the background; wait until none is building.
    await waitUntil(async () => (await started.status()).every((status) => status.state !== 'BUILDING'));
    return started;
  };

  describe('when started on a log', () => {
    it('should refuse a subscriber its live position while the first build runs, and give it once live', async () => {
      const building = new ProjectionEngine(db, store, [orderViewModel], { batchSize: 2, rebuildBatchSize: 2 });
      engine = building;
      await building.start();
      // The build goes on in the background a batch at a time; it has not announced anything.
      expect(() => building.livePosition('orderView')).toThrow(ReadModelUnavailableError);
      await waitUntil(async () => (await building.status()).every((status) => status.state === 'LIVE'));
      expect(building.livePosition('orderView')).toBe(await store.headPosition());
    });

    it('should apply the log and report the projection live at the head', async () => {
      const engine = await startEngine([orderViewModel]);
      const head = await store.headPosition();
      expect(await engine.status()).toMatchObject([
        {
          name: 'orderView',
          version: orderViewModel.version,
          state: 'LIVE',
          position: head,
          headPosition: head,
          lagEvents: 0,
          lagMs: 0,
          lastError: null,
        },
      ]);
      expect(db.prepare('SELECT order_id, status, version FROM order_views ORDER BY order_id').all()).toEqual([
        { order_id: 'o-1', status: 'SHIPPED', version: 3 },
        { order_id: 'o-2', status: 'CANCELLED', version: 2 },
        { order_id: 'o-3', status: 'PENDING', version: 1 },
      ]);
    });

    it('should announce each event applied after the first build, with the view as of that event', async () => {
      const announced: OrderViewChange[] = [];
      const engine = await startEngine([orderViewModel], 2, {
        orderView: { publish: (changes) => announced.push(...(changes as OrderViewChange[])) },
      });
      expect(announced).toEqual([]); // history built at start-up is no news to subscribers

      const commands = new OrderCommands(store);
      await commands.execute(
        { type: 'ReceivePayment', data: { orderId: 'o-3', paymentId: 'p3', amountMinor: 5998, scale: 2, method: 'card', now: NOW } },
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
      await startEngine([orderViewModel]);
      const live = dumpOrderViews(db);
      await engine!.stop();
      db.prepare('UPDATE projection_generations SET position = 0').run();
      await startEngine([orderViewModel]);
      expect(dumpOrderViews(db)).toEqual(live);
    });
  });

  describe('when rebuilding', () => {
    it('should build fresh tables equal to the live ones and swap them in', async () => {
      const announced: OrderViewChange[] = [];
      const engine = await startEngine([orderViewModel], 2, {
        orderView: { publish: (changes) => announced.push(...(changes as OrderViewChange[])) },
      });
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
      await startEngine([orderViewModel]);
      const live = dumpOrderViews(db);
      await engine!.stop();

      const next = { ...orderViewModel, version: orderViewModel.version + 1 };
      const restarted = await startEngine([next]);
      expect((await restarted.status())[0]).toMatchObject({ version: next.version, position: await store.headPosition() });
      expect(dumpOrderViews(db)).toEqual(live);
      expect(tableNames(db)).toEqual(['order_view_items__g2', 'order_views__g2']);
    });
  });

  describe('when a projection throws on an event', () => {
    it('should stop that projection only, report the event, and resume after a retry', async () => {
      const failing = failingProjection(3);
      const engine = await startEngine([orderViewModel, failing.definition]);
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

    it('should stop at that event and keep every one before it when a long build commits on the writer thread', async () => {
      // Past three full batches a build commits on the writer thread: the event at fault comes well after that.
      const commands = new OrderCommands(store);
      const items = [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 100 }];
      for (let n = 0; n < 40; n++) {
        await commands.execute(
          { type: 'PlaceOrder', data: { orderId: `bulk-${n}`, customerId: 'c-2', items, currency: 'USD', now: NOW } },
          META,
        );
      }
      const failing = failingProjection(31);
      const engine = await startEngine([failing.definition]);
      const head = await store.headPosition();

      expect((await engine.status())[0]).toMatchObject({ state: 'FAILED', position: 30, lastError: { position: 31 } });
      expect(db.prepare('SELECT max(position), count(*) FROM event_counts').raw().get()).toEqual([30, 30]);

      failing.fix();
      await engine.retry('eventCounter');
      await waitUntil(async () => (await engine.status())[0]!.state === 'LIVE');
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
    { type: 'ReceivePayment', data: { orderId: 'o-1', paymentId: 'pay', amountMinor: 5998, scale: 2, method: 'card', now: NOW } },
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
  // One document (one event_counts row) per event, keyed by its position: an event applied again
  // finds its row (version = the event's) and changes nothing, as INSERT OR IGNORE did.
  const definition: ReadModel<{ event_counts: Row[] }> = {
    name: 'eventCounter',
    version: 1,
    tables: {
      event_counts: {
        columns: { event_key: { type: 'text' }, position: { type: 'integer', unique: true }, version: { type: 'integer' } },
        primaryKey: ['event_key'],
      },
    },
    documents: {
      tables: ['event_counts'],
      key: 'event_key',
      keyOf: (event) => String(event.position),
      evolve(doc, event) {
        if (broken && event.position === failOnPosition) throw new Error('bug in eventCounter');
        return doc ?? { event_counts: [{ event_key: String(event.position), position: event.position, version: event.version }] };
      },
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
