import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import type { EventStore, StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { ORDER_FULFILMENT, orderFulfilmentProcess } from '../../src/processes/orderFulfilment.js';
import { Processes } from '../../src/processes/processes.js';

const NOW = '2026-12-03T10:00:00.000Z';
const ORDERS = 450;
const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

/**
 * A process with no checkpoint of its own beside a log it already worked through (a new instance, an
 * imported log) starts before its last batch, not at the beginning: real log, real process.
 */
describe('orderFulfilment without a checkpoint of its own', () => {
  let directory: string;
  let store: SqliteEventStore;
  let orders: OrderCommands;
  let inventory: InventoryCommands;
  let triggers: StoredEvent[];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-starting-'));
    store = new SqliteEventStore(openDatabase(join(directory, 'log.db')));
    orders = new OrderCommands(store);
    inventory = new InventoryCommands(store);
    const metadata = { userId: 'admin', correlationId: 'setup' };
    await inventory.execute({ type: 'AddProduct', data: { productId: 'desk', name: 'Desk', quantity: 1_000_000, now: NOW } }, metadata);
    for (let n = 0; n < ORDERS; n++) {
      const items = [{ productId: 'desk', name: 'Desk', quantity: 1, unitPriceMinor: 1000 }];
      await orders.execute(
        { type: 'PlaceOrder', data: { orderId: `o-${n}`, customerId: 'c-1', items, currency: 'USD', now: NOW } },
        metadata,
      );
    }
    // The first instance works through them all.
    const first = runProcess(store, 'first.db');
    first.start();
    await expect.poll(async () => (await first.status())[0]!.lagEvents, { timeout: 20_000 }).toBe(0);
    await first.stop();
    triggers = await store.readAll({ types: ['OrderPlaced'], limit: 10_000 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** The process over its own checkpoint file; `handled` counts the triggers handed to it. */
  function runProcess(log: EventStore, checkpointFile: string, handled = { triggers: 0 }) {
    const definition = orderFulfilmentProcess({
      store: log,
      orders: new OrderCommands(log),
      inventory: new InventoryCommands(log),
      clock: () => NOW,
    });
    const counted = {
      ...definition,
      handle: (events: readonly StoredEvent[]) => {
        handled.triggers += events.length;
        return definition.handle(events);
      },
    };
    return new Processes(openDatabase(join(directory, checkpointFile)), log, [counted], 60_000, silent);
  }

  it('should handle again only the triggers of its last batch, each a no-op, and append nothing', async () => {
    const head = await store.headPosition();
    const handled = { triggers: 0 };

    const second = runProcess(store, 'second.db', handled);
    second.start();
    await expect.poll(async () => (await second.status())[0]!.lagEvents, { timeout: 20_000 }).toBe(0);
    await second.stop();

    expect(await store.headPosition()).toBe(head);
    expect((await second.status())[0]).toMatchObject({ name: ORDER_FULFILMENT, state: 'LIVE', parked: [] });
    // Batches of 200: the last one (orders 401–450) began at most 199 triggers before its last.
    expect(handled.triggers).toBeGreaterThanOrEqual(ORDERS - 400);
    expect(handled.triggers).toBeLessThanOrEqual(200);
  });

  it('should start from the beginning beside a log holding nothing it wrote', async () => {
    const handled = { triggers: 0 };
    const fresh = new SqliteEventStore(openDatabase(join(directory, 'fresh.db')));
    for (const trigger of triggers.slice(0, 5))
      await fresh.append(trigger.streamId, trigger.streamType, [trigger], { expectedVersion: 'no_stream' });

    const process = runProcess(fresh, 'third.db', handled);
    process.start();
    await expect.poll(async () => (await process.status())[0]!.lagEvents, { timeout: 20_000 }).toBe(0);
    await process.stop();
    await fresh.close();

    expect(handled.triggers).toBe(5);
  });
});
