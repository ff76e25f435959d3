import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import type { InventoryCommand } from '../../src/domain/inventory/index.js';
import type { Money } from '../../src/domain/money.js';
import type { OrderLine } from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import type { ChangeSink } from '../../src/projections/contracts.js';
import type { Maybe } from '../../src/projections/readDb.js';
import type { AnyReadModel } from '../../src/projections/readModel.js';
import { ProjectionEngine } from '../../src/projections/sqlite/engine.js';
import { SqliteReadModelWriter } from '../../src/projections/sqlite/sqliteWriter.js';
import { createTableSql } from '../../src/projections/tables.js';

/** 2 × Widget at 29.99 + 1 × Gadget at 49.99 = 109.97. */
export const REFERENCE_ITEMS: OrderLine[] = [
  { productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 },
  { productId: 'p2', name: 'Gadget', quantity: 1, unitPriceMinor: 4999 },
];

/**
 * A real SQLite log driven through the real command handler at fixed times (the command's `now`
 * and the event's `occurredAt` both set to `at`), and an engine running the projections under test.
 */
export class OrderLogFixture {
  readonly directory = mkdtempSync(join(tmpdir(), 'orderstream-readmodel-'));
  readonly db: Database.Database = openDatabase(join(this.directory, 'orderstream.db'));
  readonly store = new SqliteEventStore(this.db);
  private readonly commands = new OrderCommands(this.store);
  engine: ProjectionEngine | undefined;

  place(at: string, orderId: string, customerId: string, items: OrderLine[] = REFERENCE_ITEMS, currency = 'USD') {
    return this.run(at, { type: 'PlaceOrder', data: { orderId, customerId, items, currency, now: at } });
  }

  pay(at: string, orderId: string, amountMinor: number) {
    return this.run(at, {
      type: 'ReceivePayment',
      data: { orderId, paymentId: `pay-${orderId}`, amountMinor, scale: 2, method: 'card', now: at },
    });
  }

  ship(at: string, orderId: string) {
    return this.run(at, { type: 'ShipOrder', data: { orderId, trackingNumber: 'T-1', carrier: 'UPS', estimatedDelivery: null, now: at } });
  }

  cancel(at: string, orderId: string) {
    return this.run(at, { type: 'CancelOrder', data: { orderId, reason: 'test', now: at } });
  }

  /** Starts an engine on the log and waits until every projection is live at the head. */
  async startEngine(definitions: readonly AnyReadModel[], feeds?: Record<string, ChangeSink>): Promise<ProjectionEngine> {
    const engine = new ProjectionEngine(this.db, this.store, definitions, { batchSize: 3, rebuildBatchSize: 3, feeds });
    this.engine = engine;
    await engine.start();
    const head = await this.store.headPosition();
    await waitUntil(async () => (await engine.status()).every((status) => status.state === 'LIVE' && status.position === head));
    return engine;
  }

  async stopEngine(): Promise<void> {
    await this.engine?.stop();
    this.engine = undefined;
  }

  async dispose(): Promise<void> {
    await this.stopEngine();
    await this.store.close();
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** Every row of the given tables (logical names), in primary-key order. */
  dump(tables: Record<string, string>): Record<string, unknown[]> {
    return Object.fromEntries(
      Object.entries(tables).map(([table, orderBy]) => [table, this.db.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).all()]),
    );
  }

  private async run(at: string, command: Parameters<OrderCommands['execute']>[0]) {
    return this.commands.execute(command, { userId: 'test', correlationId: 'read-models', occurredAt: at });
  }
}

/** A query's answer on SQLite, which is given directly (not a promise). */
export function answered<T>(answer: Maybe<T>): T {
  if (answer instanceof Promise) throw new Error('a SQLite query answered with a promise');
  return answer;
}

/**
 * Applies the events to fresh in-memory tables (under their logical names) through the read
 * model's SQLite writer, each event `times` times in a row (one write each), and returns every row
 * of the given tables (logical name → ORDER BY).
 */
export function applyInMemory(
  model: AnyReadModel,
  events: readonly StoredEvent[],
  times: number,
  tables: Record<string, string>,
): Record<string, unknown[]> {
  const db = new Database(':memory:');
  try {
    for (const [table, declaration] of Object.entries(model.tables)) db.exec(createTableSql('sqlite', table, declaration));
    const live = Object.fromEntries(Object.keys(model.tables).map((table) => [table, table]));
    const writer = new SqliteReadModelWriter(db, model, live, { announce: false });
    for (const event of events) for (let time = 0; time < times; time++) writer.apply([event]);
    return Object.fromEntries(
      Object.entries(tables).map(([table, orderBy]) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).all()]),
    );
  } finally {
    db.close();
  }
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached in 5 s');
}

/** A real log with inventory commands run through the real handler at fixed times. */
export class InventoryLog {
  private readonly commands: InventoryCommands;
  constructor(readonly log: OrderLogFixture) {
    this.commands = new InventoryCommands(log.store);
  }

  add(at: string, productId: string, name: string, quantity: number, price: Money | null = null) {
    return this.run(at, { type: 'AddProduct', data: { productId, name, quantity, price, now: at } });
  }
  changePrice(at: string, productId: string, price: Money) {
    return this.run(at, { type: 'ChangePrice', data: { productId, price, now: at } });
  }
  restock(at: string, productId: string, quantity: number) {
    return this.run(at, { type: 'Restock', data: { productId, quantity, now: at } });
  }
  reserve(at: string, productId: string, orderId: string, quantity: number) {
    return this.run(at, { type: 'ReserveStock', data: { productId, orderId, quantity, now: at } });
  }
  release(at: string, productId: string, orderId: string) {
    return this.run(at, { type: 'ReleaseReservation', data: { productId, orderId, now: at } });
  }
  commit(at: string, productId: string, orderId: string) {
    return this.run(at, { type: 'CommitReservation', data: { productId, orderId, now: at } });
  }

  private run(at: string, command: InventoryCommand) {
    return this.commands.execute(command, { userId: 'test', correlationId: 'read-models', occurredAt: at });
  }
}
