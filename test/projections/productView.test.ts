import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { decodeProductCursor } from '../../src/projections/productView/cursor.js';
import { ProductViewQueries } from '../../src/projections/productView/queries.js';
import { productViewModel } from '../../src/projections/productView/readModel.js';
import type { ProductViewChange } from '../../src/projections/productView/view.js';
import { answered, applyInMemory as applyModelInMemory, InventoryLog, OrderLogFixture } from './readModelFixture.js';

const TABLES = { product_views: 'product_id' };

/**
 * p-1 Widget: 10 added at 29.99 USD, o-1 reserves 4, o-2 reserves 3, o-3 is rejected (asks 5 of 3),
 * restocked by 5, repriced to 34.99 USD, o-1 committed, o-2 released: 11 on hand, nothing reserved.
 * p-2 Gadget: 2 added without a price, o-4 reserves 2, priced at 49.99 EUR. p-0 Gizmo: added with
 * nothing on hand and no price. An order is placed in between, which the view ignores.
 */
async function writeScenario(inventory: InventoryLog): Promise<void> {
  await inventory.add('2025-01-10T10:00:00.000Z', 'p-1', 'Widget', 10, { amountMinor: 2999, currency: 'USD' });
  await inventory.reserve('2025-01-10T10:01:00.000Z', 'p-1', 'o-1', 4);
  await inventory.add('2025-01-10T10:02:00.000Z', 'p-2', 'Gadget', 2);
  await inventory.log.place('2025-01-10T10:03:00.000Z', 'o-9', 'cust-1');
  await inventory.reserve('2025-01-10T10:04:00.000Z', 'p-1', 'o-2', 3);
  await inventory.reserve('2025-01-10T10:05:00.000Z', 'p-1', 'o-3', 5);
  await inventory.reserve('2025-01-10T10:06:00.000Z', 'p-2', 'o-4', 2);
  await inventory.restock('2025-01-10T10:07:00.000Z', 'p-1', 5);
  await inventory.changePrice('2025-01-10T10:07:30.000Z', 'p-1', { amountMinor: 3499, currency: 'USD' });
  await inventory.commit('2025-01-10T10:08:00.000Z', 'p-1', 'o-1');
  await inventory.release('2025-01-10T10:09:00.000Z', 'p-1', 'o-2');
  await inventory.add('2025-01-10T10:10:00.000Z', 'p-0', 'Gizmo', 0);
  await inventory.changePrice('2025-01-10T10:11:00.000Z', 'p-2', { amountMinor: 4999, currency: 'EUR' });
}

describe('productView projection', () => {
  let log: OrderLogFixture;
  let inventory: InventoryLog;
  beforeEach(() => {
    log = new OrderLogFixture();
    inventory = new InventoryLog(log);
  });
  afterEach(() => log.dispose());

  it('should keep on hand, reserved and available per product, with the version and position of its last event', async () => {
    await writeScenario(inventory);
    await log.startEngine([productViewModel]);
    const queries = new ProductViewQueries(log.db);

    const events = await log.store.readAll();
    const last = events.filter((event) => event.streamId === 'product-p-1').at(-1)!;
    expect(queries.getProductView('p-1')).toEqual({
      id: 'p-1',
      name: 'Widget',
      price: { amountMinor: 3499, currency: 'USD' },
      onHand: 11,
      reserved: 0,
      available: 11,
      // added, 3 reservations (one rejected), restocked, repriced, committed, released
      version: 8,
      position: last.position,
      updatedAt: '2025-01-10T10:09:00.000Z',
    });
    expect(queries.getProductView('p-2')).toMatchObject({
      price: { amountMinor: 4999, currency: 'EUR' },
      onHand: 2,
      reserved: 2,
      available: 0,
      version: 3,
    });
    expect(queries.getProductView('p-0')).toMatchObject({ price: null, onHand: 0, reserved: 0, available: 0, version: 1 });
    expect(queries.getProductView('o-9')).toBeUndefined();
    expect(queries.getProductView('p-unknown')).toBeUndefined();
  });

  it('should answer the current prices of several products at once: null for one without, none for an unknown one', async () => {
    await writeScenario(inventory);
    await log.startEngine([productViewModel]);
    const queries = new ProductViewQueries(log.db);

    expect(queries.pricesOf(['p-1', 'p-0', 'p-unknown', 'p-2', 'p-1'])).toEqual(
      new Map([
        ['p-1', { amountMinor: 3499, currency: 'USD' }],
        ['p-0', null],
        ['p-2', { amountMinor: 4999, currency: 'EUR' }],
      ]),
    );
    expect(queries.pricesOf([])).toEqual(new Map());
    expect(queries.pricesOf(["p-1' OR 1=1 --", '%'])).toEqual(new Map());
  });

  it('should announce a price change with the new price', async () => {
    await inventory.add('2025-01-10T10:00:00.000Z', 'p-1', 'Widget', 10);
    const announced: ProductViewChange[] = [];
    const engine = await log.startEngine([productViewModel], {
      productView: { publish: (changes) => announced.push(...(changes as ProductViewChange[])) },
    });

    await engine.waitFor(
      (await inventory.changePrice('2025-01-10T10:01:00.000Z', 'p-1', { amountMinor: 1250, currency: 'USD' })).lastPosition,
    );

    expect(announced.map(({ view }) => [view.version, view.price, view.onHand, view.updatedAt])).toEqual([
      [2, { amountMinor: 1250, currency: 'USD' }, 10, '2025-01-10T10:01:00.000Z'],
    ]);
  });

  it('should list products by id, a page at a time', async () => {
    await writeScenario(inventory);
    await log.startEngine([productViewModel]);
    const queries = new ProductViewQueries(log.db);

    const first = answered(queries.listProductViews(2));
    expect(first.nodes.map((node) => node.view.id)).toEqual(['p-0', 'p-1']);
    expect(first).toMatchObject({ hasNextPage: true, totalCount: 3 });
    const second = answered(queries.listProductViews(2, decodeProductCursor(first.nodes.at(-1)!.cursor)));
    expect(second.nodes.map((node) => node.view.id)).toEqual(['p-2']);
    expect(second).toMatchObject({ hasNextPage: false, totalCount: 3 });
    expect(queries.listProductViews(2, 'p-2')).toEqual({ nodes: [], hasNextPage: false, totalCount: 3 });
  });

  it('should announce each change while live, with the view as of that event', async () => {
    await inventory.add('2025-01-10T10:00:00.000Z', 'p-1', 'Widget', 10);
    const announced: ProductViewChange[] = [];
    const engine = await log.startEngine([productViewModel], {
      productView: { publish: (changes) => announced.push(...(changes as ProductViewChange[])) },
    });
    expect(announced).toEqual([]); // history is built, not announced

    await inventory.reserve('2025-01-10T10:01:00.000Z', 'p-1', 'o-1', 4);
    await inventory.reserve('2025-01-10T10:02:00.000Z', 'p-1', 'o-2', 7);
    await engine.waitFor((await inventory.commit('2025-01-10T10:03:00.000Z', 'p-1', 'o-1')).lastPosition);

    expect(announced.map(({ view }) => [view.version, view.onHand, view.reserved, view.available])).toEqual([
      [2, 10, 4, 6],
      [3, 10, 4, 6], // o-2's rejection moves nothing
      [4, 6, 0, 6],
    ]);
  });

  it('should have no second effect when every event is applied again from position 0', async () => {
    await writeScenario(inventory);
    await log.startEngine([productViewModel]);
    const live = log.dump(TABLES);
    expect(live.product_views).toHaveLength(3);
    await log.stopEngine();

    log.db.prepare("UPDATE projection_generations SET position = 0 WHERE name = 'productView'").run();
    await log.startEngine([productViewModel]);
    expect(log.dump(TABLES)).toEqual(live);
  });

  it('should give the same table when each event is applied twice in a row', async () => {
    await writeScenario(inventory);
    const events = await log.store.readAll();
    const once = applyInMemory(events, 1);
    expect(once.product_views).toHaveLength(3);
    expect(applyInMemory(events, 2)).toEqual(once);
  });

  it('should build the same table on a rebuild', async () => {
    await writeScenario(inventory);
    const engine = await log.startEngine([productViewModel]);
    const live = log.dump(TABLES);
    await engine.rebuild('productView');
    expect(log.dump(TABLES)).toEqual(live);
  });
});

/** Applies the events to a fresh in-memory table through the definition's writer, each `times` times. */
function applyInMemory(events: StoredEvent[], times: number) {
  return applyModelInMemory(productViewModel, events, times, TABLES);
}
