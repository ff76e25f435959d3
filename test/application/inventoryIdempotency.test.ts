import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExpectedVersionConflictError } from '../../src/eventstore/errors.js';
import { commandFingerprint } from '../../src/application/commandFingerprint.js';
import { processIdempotencyKey } from '../../src/application/idempotencyKeys.js';
import { InventoryCommands } from '../../src/application/inventoryCommands.js';
import { loadAggregate } from '../../src/application/snapshots/loadAggregate.js';
import {
  allHeld,
  type InventoryCommand,
  inventoryDecider,
  PRODUCT_STATE_SCHEMA_VERSION,
  productStreamId,
} from '../../src/domain/inventory/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../../src/eventstore/sqlite/sqliteSnapshotStore.js';

const NOW = '2026-12-03T10:00:00.000Z';
const metadata = { userId: 'process:orderFulfilment', correlationId: 'c-1', occurredAt: NOW };

/**
 * The Product keeps only its open reservations; what stops a repeated or late reservation command
 * from reserving again is the command's idempotency key (the order process derives it from its
 * trigger), answered from the log before any decision. Real log, real snapshots.
 */
describe("Inventory commands with the order process's keys", () => {
  let directory: string;
  let store: SqliteEventStore;
  let inventory: InventoryCommands;
  let snapshots: SqliteSnapshotStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-inventory-'));
    const db = openDatabase(join(directory, 'log.db'));
    store = new SqliteEventStore(db);
    snapshots = new SqliteSnapshotStore(db);
    inventory = new InventoryCommands(store, { store: snapshots, every: 10, stateSchemaVersion: PRODUCT_STATE_SCHEMA_VERSION });
    await inventory.execute({ type: 'AddProduct', data: { productId: 'desk', name: 'Desk', quantity: 10, now: NOW } }, metadata);
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** As the order process sends a step: its key from the trigger's event id and the step. */
  const step = (trigger: string, name: string, command: InventoryCommand) =>
    inventory.execute(command, metadata, {
      idempotency: { key: processIdempotencyKey(trigger, name), fingerprint: commandFingerprint(metadata.userId, name, command.data) },
    });
  const reserve = (orderId: string, quantity: number) =>
    ({ type: 'ReserveStock', data: { productId: 'desk', orderId, quantity, now: NOW } }) as const;
  const release = (orderId: string) => ({ type: 'ReleaseReservation', data: { productId: 'desk', orderId, now: NOW } }) as const;
  const restocked = (n: number) => ({
    eventId: `restock-${n}`,
    type: 'StockRestocked',
    schemaVersion: 1,
    data: { productId: 'desk', quantity: 1, onHand: 11 + n, restockedAt: NOW },
    metadata: { ...metadata, causationId: 'c', commandId: `restock-${n}` },
  });
  const streamTypes = async () => (await store.readStream(productStreamId('desk'))).map((event) => event.type);

  it('should reserve nothing again for a late repeat of a reservation whose order was released since', async () => {
    await step('placed-1', 'reserve:desk', reserve('o-1', 4));
    await step('cancelled-1', 'release:desk', release('o-1'));

    const late = await step('placed-1', 'reserve:desk', reserve('o-1', 4));

    expect(late).toMatchObject({ replayed: true, events: [{ type: 'StockReserved' }] });
    expect(await streamTypes()).toEqual(['ProductAdded', 'StockReserved', 'ReservationReleased']);
    const { state } = await loadAggregate(store, inventoryDecider, productStreamId('desk'));
    expect(state.status === 'Active' && [allHeld(state.reserved), state.reservedTotal]).toEqual([{}, 0]);
  });

  it('should keep the state as small after hundreds of orders came and went, snapshots included', async () => {
    for (let n = 0; n < 300; n++) {
      await step(`placed-${n}`, 'reserve:desk', reserve(`o-${n}`, 1));
      await step(`cancelled-${n}`, 'release:desk', release(`o-${n}`));
    }
    await step('placed-open', 'reserve:desk', reserve('open', 3));

    const loaded = await loadAggregate(store, inventoryDecider, productStreamId('desk'), {
      store: snapshots,
      every: 10,
      stateSchemaVersion: PRODUCT_STATE_SCHEMA_VERSION,
    });
    expect(loaded.version).toBe(602);
    expect(loaded.eventsSinceSnapshot).toBeLessThan(10);
    const { state } = loaded;
    expect({ ...state, reserved: state.status === 'Active' && allHeld(state.reserved) }).toEqual({
      status: 'Active',
      productId: 'desk',
      name: 'Desk',
      price: null,
      onHand: 10,
      reserved: { open: 3 },
      reservedTotal: 3,
    });
  });

  describe('a unit of work (a batch of the order process)', () => {
    /** As the order process decides a step in a batch. */
    const unitStep = (trigger: string, name: string, command: InventoryCommand) => ({
      streamId: productStreamId('desk'),
      command,
      metadata: {
        ...metadata,
        causationId: trigger,
        commandId: processIdempotencyKey(trigger, name),
        commandFingerprint: commandFingerprint(metadata.userId, name, command.data),
      },
    });
    const keyOf = (trigger: string, name: string) => processIdempotencyKey(trigger, name);

    it('should decide its steps in order on one state and append them once, each with its own key', async () => {
      const unit = await inventory.unitOfWork(
        [productStreamId('desk')],
        [keyOf('placed-1', 'reserve:desk'), keyOf('placed-2', 'reserve:desk')],
      );
      expect(unit.decide(unitStep('placed-1', 'reserve:desk', reserve('o-1', 6)))).toEqual({
        eventTypes: ['StockReserved'],
        recorded: false,
      });
      // The second sees what the first holds: 4 left.
      expect(unit.decide(unitStep('placed-2', 'reserve:desk', reserve('o-2', 5)))).toEqual({
        eventTypes: ['StockReservationRejected'],
        recorded: false,
      });
      await unit.commit();

      expect(await streamTypes()).toEqual(['ProductAdded', 'StockReserved', 'StockReservationRejected']);
      expect((await store.findCommand(keyOf('placed-2', 'reserve:desk')))?.firstVersion).toBe(3);
    });

    it('should answer a late repeat from its key, as decided then, and append nothing', async () => {
      await step('placed-1', 'reserve:desk', reserve('o-1', 4));
      await step('cancelled-1', 'release:desk', release('o-1'));

      const unit = await inventory.unitOfWork([productStreamId('desk')], [keyOf('placed-1', 'reserve:desk')]);
      expect(unit.decide(unitStep('placed-1', 'reserve:desk', reserve('o-1', 4)))).toEqual({
        eventTypes: ['StockReserved'],
        recorded: true,
      });
      await unit.commit();

      expect(await streamTypes()).toEqual(['ProductAdded', 'StockReserved', 'ReservationReleased']);
    });

    it('should snapshot a long stream it folded even when it appends nothing (a log just imported has no snapshots)', async () => {
      for (let n = 0; n < 12; n++) await store.append(productStreamId('desk'), 'Product', [restocked(n)], { expectedVersion: n + 1 });
      await snapshots.deleteAll();

      const unit = await inventory.unitOfWork([productStreamId('desk')], []);
      await unit.commit();

      expect((await snapshots.load(productStreamId('desk'), PRODUCT_STATE_SCHEMA_VERSION))?.version).toBe(13);
    });

    it("should fail its commit when another writer appended after its load, and find that writer's step by its key when run again", async () => {
      const keys = [keyOf('placed-1', 'reserve:desk')];
      const unit = await inventory.unitOfWork([productStreamId('desk')], keys);
      // Another instance's process handles the same trigger meanwhile.
      await step('placed-1', 'reserve:desk', reserve('o-1', 4));
      unit.decide(unitStep('placed-1', 'reserve:desk', reserve('o-1', 4)));
      await expect(unit.commit()).rejects.toBeInstanceOf(ExpectedVersionConflictError);

      const again = await inventory.unitOfWork([productStreamId('desk')], keys);
      expect(again.decide(unitStep('placed-1', 'reserve:desk', reserve('o-1', 4)))).toEqual({
        eventTypes: ['StockReserved'],
        recorded: true,
      });
      await again.commit();
      expect(await streamTypes()).toEqual(['ProductAdded', 'StockReserved']);
    });
  });
});
