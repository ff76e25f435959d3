import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { DomainError } from '../../src/domain/errors.js';
import { type InventoryCommand, inventoryEventTypes } from '../../src/domain/inventory/index.js';
import { type OrderCommand, type OrderLine, type OrderPlaced, orderEventTypes, orderStreamId } from '../../src/domain/order/index.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { projectionDefinitions } from '../../src/projections/definitions.js';
import { ProjectionEngine } from '../../src/projections/engine.js';
import type { ProjectionDefinition } from '../../src/projections/projection.js';

/**
 * Whatever the command history (valid and refused commands mixed), every read model the server runs
 * must be a pure function of the log: the tables built live, event by event, equal the tables a
 * rebuild produces beside them, and equal the tables a fresh engine builds from a copy of the log.
 * Iterates over projectionDefinitions(), so projections added there are covered automatically.
 */

const ORDER_IDS = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'];
const UNKNOWN_ORDER = 'o-unknown';
const BASE_TIME = Date.parse('2025-01-10T10:00:00.000Z');

/** A command as generated: the payment amount is resolved against the log when it runs. */
type GeneratedCommand =
  | { kind: 'place'; command: Extract<OrderCommand, { type: 'PlaceOrder' }> }
  | { kind: 'pay'; orderId: string; amount: 'exact' | { offBy: number } | { fixed: number }; paymentId: string; method: string }
  | { kind: 'ship'; command: Extract<OrderCommand, { type: 'ShipOrder' }> }
  | { kind: 'cancel'; command: Extract<OrderCommand, { type: 'CancelOrder' }> }
  | { kind: 'inventory'; command: InventoryCommand };

const orderId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...ORDER_IDS) }, { weight: 1, arbitrary: fc.constant(UNKNOWN_ORDER) });
const now = fc.constant('placeholder'); // replaced with a deterministic clock when the command runs

const item = fc.record({
  productId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('p1', 'p2', 'p3') }, { weight: 1, arbitrary: fc.constant(' ') }),
  name: fc.constantFrom('Widget', 'Gadget', 'Gizmo "deluxe"', 'Ünïcödé'),
  // 0, negatives and fractions are refused by the domain.
  quantity: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 2, arbitrary: fc.constantFrom(0, -1, 1.5) }),
  // cents; 0, negatives and unsafe integers are refused.
  unitPriceMinor: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, -100, 0.5, Number.MAX_SAFE_INTEGER) },
  ),
});

const validItem = fc.record({
  productId: fc.constantFrom('p1', 'p2', 'p3'),
  name: fc.constantFrom('Widget', 'Gadget'),
  quantity: fc.integer({ min: 1, max: 5 }),
  unitPriceMinor: fc.integer({ min: 1, max: 1_000_000 }),
});

const placeOrderWith = (items: fc.Arbitrary<OrderLine[]>, currency: fc.Arbitrary<string>) =>
  fc.record({
    kind: fc.constant('place' as const),
    command: fc.record({
      type: fc.constant('PlaceOrder' as const),
      data: fc.record({ orderId, customerId: fc.constantFrom('c-1', 'c-2', 'c-3'), items, currency, now }),
    }),
  });

const placeOrder = fc.oneof(
  // Mostly orders the domain accepts (unless the id is taken), so histories go on to pay, ship, cancel…
  { weight: 3, arbitrary: placeOrderWith(fc.array(validItem, { minLength: 1, maxLength: 4 }), fc.constantFrom('USD', 'EUR')) },
  // …and some that may break any rule: no items, quantity 0, price 0, bad currency.
  {
    weight: 1,
    arbitrary: placeOrderWith(
      fc.array(item, { minLength: 0, maxLength: 4 }),
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('USD', 'EUR') }, { weight: 1, arbitrary: fc.constant('usd') }),
    ),
  },
);

const receivePayment = fc.record({
  kind: fc.constant('pay' as const),
  orderId,
  amount: fc.oneof(
    { weight: 6, arbitrary: fc.constant('exact' as const) },
    { weight: 2, arbitrary: fc.record({ offBy: fc.constantFrom(-1, 1, 100) }) },
    { weight: 1, arbitrary: fc.record({ fixed: fc.integer({ min: -10, max: 10_000 }) }) },
  ),
  paymentId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('pay-1', 'pay-2') }, { weight: 1, arbitrary: fc.constant('') }),
  method: fc.constantFrom('card', 'paypal'),
});

const shipOrder = fc.record({
  kind: fc.constant('ship' as const),
  command: fc.record({
    type: fc.constant('ShipOrder' as const),
    data: fc.record({
      orderId,
      trackingNumber: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('1Z999', 'T-2') }, { weight: 1, arbitrary: fc.constant('') }),
      carrier: fc.constantFrom('UPS', 'DHL'),
      // 2025-02-31 is not a day: refused.
      estimatedDelivery: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(null, '2025-01-15') },
        { weight: 1, arbitrary: fc.constant('2025-02-31') },
      ),
      now,
    }),
  }),
});

const cancelOrder = fc.record({
  kind: fc.constant('cancel' as const),
  command: fc.record({
    type: fc.constant('CancelOrder' as const),
    data: fc.record({
      orderId,
      reason: fc.oneof({ weight: 9, arbitrary: fc.constantFrom('changed my mind', 'out of stock') }, { weight: 1, arbitrary: fc.constant('  ') }),
      now,
    }),
  }),
});

// Stock of p1 and p2 (and an unknown product), reserved for the same orders: accepted, rejected and refused alike.
const productId = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('p1', 'p2') }, { weight: 1, arbitrary: fc.constant('p-unknown') });
// Few orders, so that reservations, releases and commits meet the same order often.
const reservingOrder = fc.constantFrom('o-1', 'o-2', 'o-3');
const stockQuantity = (max: number) =>
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5) });
const inventory = (command: InventoryCommand): GeneratedCommand => ({ kind: 'inventory', command });

const inventoryCommand = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record({
        productId,
        name: fc.oneof({ weight: 9, arbitrary: fc.constant('Widget') }, { weight: 1, arbitrary: fc.constant(' ') }),
        quantity: stockQuantity(8),
        now,
      })
      .map((data) => inventory({ type: 'AddProduct', data })),
  },
  fc.record({ productId, quantity: stockQuantity(4), now }).map((data) => inventory({ type: 'Restock', data })),
  {
    weight: 4,
    arbitrary: fc
      .record({ productId, orderId: reservingOrder, quantity: stockQuantity(5), now })
      .map((data) => inventory({ type: 'ReserveStock', data })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ productId, orderId: reservingOrder, end: fc.constantFrom('ReleaseReservation' as const, 'CommitReservation' as const), now })
      .map(({ end, ...data }) => inventory({ type: end, data })),
  },
);

/** A reservation's whole life in a row (add, reserve, then release or commit), so every stock event occurs often. */
const stockStory = fc
  .record({
    productId,
    orderId: reservingOrder,
    quantity: stockQuantity(5),
    end: fc.constantFrom('ReleaseReservation' as const, 'CommitReservation' as const),
    now,
  })
  .map(({ productId, orderId, quantity, end, now }) => [
    inventory({ type: 'AddProduct', data: { productId, name: 'Widget', quantity: 5, now } }),
    inventory({ type: 'ReserveStock', data: { productId, orderId, quantity, now } }),
    inventory({ type: end, data: { productId, orderId, now } }),
  ]);

const one = (command: GeneratedCommand) => [command];
const commandSequence: fc.Arbitrary<GeneratedCommand[]> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: placeOrder.map(one) },
      { weight: 3, arbitrary: receivePayment.map(one) },
      { weight: 3, arbitrary: shipOrder.map(one) },
      { weight: 1, arbitrary: cancelOrder.map(one) },
      { weight: 3, arbitrary: inventoryCommand.map(one) },
      { weight: 1, arbitrary: stockStory },
    ),
    { minLength: 10, maxLength: 60, size: 'max' },
  )
  .map((chunks) => chunks.flat());

type TableDump = Record<string, unknown[]>;

describe('Projection rebuild', () => {
  it('should produce, for any command history, the same tables live, after a rebuild and from a copy of the log', async () => {
    const stats = { runs: 0, runsWithRows: 0, accepted: 0, refused: 0, eventTypes: new Set<string>() };

    await fc.assert(
      fc.asyncProperty(
        commandSequence,
        fc.integer({ min: 1, max: 7 }), // live batch size
        fc.integer({ min: 1, max: 7 }), // rebuild batch size: small, so the rebuild loops and swaps mid-stream
        async (commands, batchSize, rebuildBatchSize) => {
          const directory = mkdtempSync(join(tmpdir(), 'orderstream-rebuild-prop-'));
          const opened: { engine?: ProjectionEngine; store?: SqliteEventStore }[] = [];
          try {
            // 1. The live side: engine started on an empty log, commands through the real OrderCommands and InventoryCommands.
            const db = openDatabase(join(directory, 'live.db'), { synchronous: 'NORMAL' });
            const store = new SqliteEventStore(db);
            const definitions = projectionDefinitions();
            const engine = new ProjectionEngine(db, store, definitions, { batchSize, rebuildBatchSize });
            opened.push({ engine, store });
            await engine.start();
            const orderCommands = new OrderCommands(store);
            const inventoryCommands = new InventoryCommands(store);

            for (const [index, generated] of commands.entries()) {
              const time = new Date(BASE_TIME + index * 60_000).toISOString();
              const metadata = { userId: 'prop', correlationId: `prop-${index}`, commandId: `cmd-${index}`, occurredAt: time };
              try {
                const { lastPosition } =
                  generated.kind === 'inventory'
                    ? await inventoryCommands.execute({ ...generated.command, data: { ...generated.command.data, now: time } } as InventoryCommand, metadata)
                    : await orderCommands.execute(await toCommand(generated, store, time), metadata);
                stats.accepted++;
                await engine.waitFor(lastPosition);
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                stats.refused++;
              }
            }
            const head = await store.headPosition();
            await engine.waitFor(head);
            await expectAllLive(engine, head);
            const live = dumpAll(db, definitions);

            // 2. Rebuild each projection beside the live tables and swap: nothing may change.
            for (const definition of definitions) {
              const before = liveGeneration(db, definition.name);
              await engine.rebuild(definition.name);
              expect(liveGeneration(db, definition.name), `${definition.name} swapped to a new generation`).toBeGreaterThan(before);
            }
            await expectAllLive(engine, head);
            expect(dumpAll(db, definitions)).toEqual(live);

            // 3. A fresh engine on another file holding only a copy of the log.
            const copyDb = openDatabase(join(directory, 'copy.db'), { synchronous: 'NORMAL' });
            const copyStore = new SqliteEventStore(copyDb);
            opened.push({ store: copyStore });
            const original = await readWholeLog(store);
            for (const event of original) stats.eventTypes.add(event.type);
            await copyLog(original, copyStore);
            expect(await readWholeLog(copyStore), 'the copy holds the same events at the same positions').toEqual(original);
            const copyDefinitions = projectionDefinitions();
            const fresh = new ProjectionEngine(copyDb, copyStore, copyDefinitions, { batchSize: rebuildBatchSize });
            opened.push({ engine: fresh });
            await fresh.start();
            await fresh.waitFor(head);
            await waitUntilNotBuilding(fresh);
            await expectAllLive(fresh, head);
            expect(dumpAll(copyDb, copyDefinitions)).toEqual(live);

            stats.runs++;
            if (Object.values(live).some((rows) => rows.length > 0)) stats.runsWithRows++;
          } finally {
            for (const { engine } of opened) await engine?.stop();
            for (const { store } of opened) await store?.close();
            rmSync(directory, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 25 },
    );

    // The property is only worth something if the histories actually built rows and mixed outcomes.
    expect(stats.runs).toBe(25);
    expect(stats.runsWithRows).toBeGreaterThan(10);
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.refused).toBeGreaterThan(0);
    expect([...stats.eventTypes].sort()).toEqual([...orderEventTypes, ...inventoryEventTypes].sort());
  }, 60_000);
});

async function toCommand(generated: Exclude<GeneratedCommand, { kind: 'inventory' }>, store: SqliteEventStore, time: string): Promise<OrderCommand> {
  switch (generated.kind) {
    case 'place':
    case 'ship':
    case 'cancel':
      return { ...generated.command, data: { ...generated.command.data, now: time } } as OrderCommand;
    case 'pay': {
      // The right amount is the total the log holds for the order (0 when it was never placed).
      const history = await store.readStream(orderStreamId(generated.orderId));
      const placed = history.find((event) => event.type === 'OrderPlaced') as (StoredEvent & { data: OrderPlaced['data'] }) | undefined;
      const total = placed?.data.totalMinor ?? 0;
      const amountMinor =
        generated.amount === 'exact' ? total : 'offBy' in generated.amount ? total + generated.amount.offBy : generated.amount.fixed;
      return {
        type: 'ReceivePayment',
        data: { orderId: generated.orderId, paymentId: generated.paymentId, amountMinor, method: generated.method, now: time },
      };
    }
  }
}

/** Every logical table of every projection, rows sorted by all their columns. */
function dumpAll(db: Database.Database, definitions: ProjectionDefinition<any>[]): TableDump {
  const dump: TableDump = {};
  for (const definition of definitions) {
    for (const logical of Object.keys(definition.tables)) {
      const columnCount = db.prepare(`SELECT * FROM ${logical}`).columns().length;
      const orderBy = Array.from({ length: columnCount }, (_, index) => index + 1).join(', ');
      dump[`${definition.name}.${logical}`] = db.prepare(`SELECT * FROM ${logical} ORDER BY ${orderBy}`).all();
    }
  }
  return dump;
}

function liveGeneration(db: Database.Database, name: string): number {
  return db.prepare("SELECT generation FROM projection_generations WHERE name = ? AND live = 1").pluck().get(name) as number;
}

async function expectAllLive(engine: ProjectionEngine, head: number): Promise<void> {
  for (const status of await engine.status()) {
    expect(status, `projection ${status.name}`).toMatchObject({ state: 'LIVE', position: head, lastError: null, rebuildPosition: null });
  }
}

async function waitUntilNotBuilding(engine: ProjectionEngine): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if ((await engine.status()).every((status) => status.state !== 'BUILDING')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('a projection was still building after 5 s');
}

async function readWholeLog(store: SqliteEventStore): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ afterPosition: events.at(-1)?.position ?? 0, limit: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

/** Appends each event again, in position order, with the same envelope (id, metadata, stream, version). */
async function copyLog(events: StoredEvent[], target: SqliteEventStore): Promise<void> {
  for (const event of events) {
    const { eventId, type, schemaVersion, data, metadata } = event;
    await target.append(event.streamId, event.streamType, [{ eventId, type, schemaVersion, data, metadata }], {
      expectedVersion: event.version === 1 ? 'no_stream' : event.version - 1,
    });
  }
}
