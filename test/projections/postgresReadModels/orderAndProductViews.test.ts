import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/eventstore/eventStore.js';
import { clientConfig } from '../../../src/eventstore/postgres/connection.js';
import type { ChangeSink } from '../../../src/projections/contracts.js';
import { decodeOrderCursor } from '../../../src/projections/orderView/cursor.js';
import { type OrderFilter, type OrderPage, OrderViewQueries } from '../../../src/projections/orderView/queries.js';
import { orderViewModel } from '../../../src/projections/orderView/readModel.js';
import type { OrderView, OrderViewChange } from '../../../src/projections/orderView/view.js';
import { PostgresReadModelWriter } from '../../../src/projections/postgres/postgresWriter.js';
import { readSideTypes } from '../../../src/projections/postgres/readSidePool.js';
import { decodeProductCursor } from '../../../src/projections/productView/cursor.js';
import { ProductViewQueries } from '../../../src/projections/productView/queries.js';
import { productViewModel } from '../../../src/projections/productView/readModel.js';
import type { ProductViewChange } from '../../../src/projections/productView/view.js';
import type { AnyReadModel } from '../../../src/projections/readModel.js';
import { physicalName } from '../../../src/projections/sqlite/generations.js';
import { createTableSql } from '../../../src/projections/tables.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../../support/postgres.js';
import { InventoryLog, OrderLogFixture, REFERENCE_ITEMS } from '../readModelFixture.js';

const ORDER_IDS = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7'];
// Upper case, '-' and '_' sort differently under a language's collation than byte by byte (SQLite).
const PRODUCT_IDS = ['P-9', 'p-0', 'p-1', 'p-2', 'p_2'];
const ORDER_FILTERS: OrderFilter[] = [
  {},
  { customerId: 'cust-a' },
  { customerId: 'cust-b' },
  { status: 'PENDING' },
  { status: 'PAID' },
  { status: 'SHIPPED' },
  { status: 'CANCELLED' },
  { customerId: 'cust-a', status: 'PAID' },
  { customerId: 'nobody' },
];

/**
 * Every status and both kinds of cancellation (unpaid, refunded), two currencies, a product name that
 * needs quoting in an array literal, and stock reserved, rejected, restocked, committed and released,
 * interleaved in one log; p-1 ends with stock held for o-5. Products priced when added, priced later
 * (p_2) and never (p-2, p-0).
 */
async function writeScenario(log: OrderLogFixture, inventory: InventoryLog): Promise<void> {
  await inventory.add('2025-01-10T09:00:00.000Z', 'p-1', 'Widget', 10, { amountMinor: 2999, currency: 'USD' });
  await log.place('2025-01-10T10:00:00.000Z', 'o-1', 'cust-a');
  await inventory.reserve('2025-01-10T10:00:01.000Z', 'p-1', 'o-1', 2);
  await log.pay('2025-01-10T10:05:00.000Z', 'o-1', 10997);
  await inventory.add('2025-01-10T10:06:00.000Z', 'P-9', 'Gizmo, "large"', 3, { amountMinor: 1550, currency: 'EUR' });
  await log.place(
    '2025-01-10T11:00:00.000Z',
    'o-2',
    'cust-b',
    [{ productId: 'P-9', name: 'Gizmo, "large"', quantity: 3, unitPriceMinor: 1550 }],
    'EUR',
  );
  await inventory.reserve('2025-01-10T11:00:01.000Z', 'P-9', 'o-2', 3);
  await inventory.reserve('2025-01-10T11:00:02.000Z', 'P-9', 'o-x', 1); // rejected: none available
  await log.place('2025-01-10T12:00:00.000Z', 'o-3', 'cust-a', [{ productId: 'p-2', name: 'Cable', quantity: 1, unitPriceMinor: 999 }]);
  await log.pay('2025-01-10T12:30:00.000Z', 'o-3', 999);
  await log.ship('2025-01-11T09:00:00.000Z', 'o-1');
  await inventory.commit('2025-01-11T09:00:01.000Z', 'p-1', 'o-1');
  await log.place('2025-01-11T10:00:00.000Z', 'o-4', 'cust-b');
  await log.cancel('2025-01-11T11:00:00.000Z', 'o-3'); // paid: refunded
  await log.cancel('2025-01-11T12:00:00.000Z', 'o-4'); // unpaid
  await inventory.release('2025-01-11T12:00:01.000Z', 'P-9', 'o-2');
  await inventory.add('2025-01-11T13:00:00.000Z', 'p-2', 'Cable', 5);
  await inventory.add('2025-01-11T13:00:01.000Z', 'p_2', 'Adapter', 1);
  await inventory.changePrice('2025-01-11T13:00:01.500Z', 'p_2', { amountMinor: 100_000_000, currency: 'USD' });
  await inventory.add('2025-01-11T13:00:02.000Z', 'p-0', 'Nothing', 0);
  await inventory.restock('2025-01-11T14:00:00.000Z', 'p-1', 7);
  await log.place('2025-01-12T10:00:00.000Z', 'o-5', 'cust-a', [{ productId: 'p-1', name: 'Widget', quantity: 4, unitPriceMinor: 2999 }]);
  await inventory.reserve('2025-01-12T10:00:01.000Z', 'p-1', 'o-5', 4);
  await log.pay('2025-01-12T10:30:00.000Z', 'o-5', 11996);
  await log.place('2025-01-12T11:00:00.000Z', 'o-6', 'cust-c');
  await log.place('2025-01-12T12:00:00.000Z', 'o-7', 'cust-a', REFERENCE_ITEMS, 'EUR');
}

/** Everything the order queries answer about the scenario: each order, and each filter's pages of 2 and of 100. */
async function orderAnswers(queries: OrderViewQueries) {
  const pages = async (filter: OrderFilter, first: number) => {
    const all = [];
    let afterPosition: number | undefined;
    for (;;) {
      const page = await queries.listOrderViews(filter, first, afterPosition);
      all.push(page);
      if (!page.hasNextPage) return all;
      afterPosition = decodeOrderCursor(page.nodes.at(-1)!.cursor);
    }
  };
  // One query at a time: the PostgreSQL queries run on one client.
  const answers = { byId: [] as (OrderView | undefined)[], pagesOf2: [] as OrderPage[][], pagesOf100: [] as OrderPage[][] };
  for (const id of [...ORDER_IDS, 'no-such-order', 'p-1']) answers.byId.push(await queries.getOrderView(id));
  for (const filter of ORDER_FILTERS) {
    answers.pagesOf2.push(await pages(filter, 2));
    answers.pagesOf100.push(await pages(filter, 100));
  }
  return answers;
}

/** Everything the product queries answer about the scenario: each product, pages of 2 and of 100. */
async function productAnswers(queries: ProductViewQueries) {
  const pages = async (first: number) => {
    const all = [];
    let afterProductId: string | undefined;
    for (;;) {
      const page = await queries.listProductViews(first, afterProductId);
      all.push(page);
      if (!page.hasNextPage) return all;
      afterProductId = decodeProductCursor(page.nodes.at(-1)!.cursor);
    }
  };
  const byId = [];
  for (const id of [...PRODUCT_IDS, 'no-such-product', 'o-1']) byId.push(await queries.getProductView(id));
  return {
    byId,
    pagesOf2: await pages(2),
    pagesOf100: await pages(100),
    afterLast: await queries.listProductViews(2, 'p_2'),
    prices: await queries.pricesOf([...PRODUCT_IDS, 'no-such-product', 'o-1']),
  };
}

/** Generation 1 of each definition's tables, with the logical names as views onto it, as the engine makes them. */
async function createLiveTables(client: pg.Client, definition: AnyReadModel): Promise<Record<string, string>> {
  const tables: Record<string, string> = {};
  for (const [logical, table] of Object.entries(definition.tables)) {
    tables[logical] = physicalName(logical, 1);
    await client.query(createTableSql('postgres', tables[logical], table));
    await client.query(`CREATE VIEW ${logical} AS SELECT * FROM ${tables[logical]}`);
  }
  return tables;
}

await describeWithPostgres('PostgreSQL orderView and productView', () => {
  let log: OrderLogFixture;
  let schema: TestSchema;
  let client: pg.Client;
  /** What the SQLite engine announced while live, as subscribers saw it. */
  let sqliteAnnounced: { orders: OrderViewChange[]; products: ProductViewChange[] };
  let sqlite: { orders: OrderViewQueries; products: ProductViewQueries };
  let postgres: { orders: OrderViewQueries; products: ProductViewQueries };
  let applyLogToPostgres: () => Promise<{ orders: OrderViewChange[]; products: ProductViewChange[] }>;
  /** The SQLite engine's feeds, into sqliteAnnounced as it is when they publish. */
  const sqliteFeeds = (): Record<string, ChangeSink> => ({
    orderView: { publish: (changes) => sqliteAnnounced.orders.push(...(changes as OrderViewChange[])) },
    productView: { publish: (changes) => sqliteAnnounced.products.push(...(changes as ProductViewChange[])) },
  });

  beforeEach(async () => {
    log = new OrderLogFixture();
    sqliteAnnounced = { orders: [], products: [] };
    // Live from the start, so that every event of the scenario is announced.
    const engine = await log.startEngine([orderViewModel, productViewModel], sqliteFeeds());
    await writeScenario(log, new InventoryLog(log));
    await engine.waitFor(await log.store.headPosition());
    sqlite = { orders: new OrderViewQueries(log.db), products: new ProductViewQueries(log.db) };

    schema = await createTestSchema();
    client = new pg.Client({
      ...clientConfig({ connectionString: POSTGRES_TEST_URL, schema: schema.schema }, 'test'),
      types: readSideTypes,
    });
    await client.connect();
    const orderWriter = new PostgresReadModelWriter<OrderViewChange>(orderViewModel, await createLiveTables(client, orderViewModel), true);
    const productWriter = new PostgresReadModelWriter<ProductViewChange>(
      productViewModel,
      await createLiveTables(client, productViewModel),
      true,
    );
    postgres = { orders: new OrderViewQueries(client), products: new ProductViewQueries(client) };

    // As the engine does: the events of a batch in one transaction (here the whole log is one batch).
    applyLogToPostgres = async () => {
      const events: StoredEvent[] = await log.store.readAll();
      const announced = { orders: [] as OrderViewChange[], products: [] as ProductViewChange[] };
      await client.query('BEGIN');
      for (const { change } of await orderWriter.apply(client, events)) announced.orders.push(change);
      for (const { change } of await productWriter.apply(client, events)) announced.products.push(change);
      await client.query('COMMIT');
      return announced;
    };
  });

  afterEach(async () => {
    await client?.end();
    await schema?.drop();
    await log.dispose();
  });

  it('should answer every order and every page of orders as SQLite does', async () => {
    await applyLogToPostgres();
    const expected = await orderAnswers(sqlite.orders);
    // The scenario reaches every status, and the filters find something to page through.
    expect(new Set(expected.byId.map((view) => view?.status))).toEqual(new Set(['PENDING', 'PAID', 'SHIPPED', 'CANCELLED', undefined]));
    expect(expected.pagesOf2[0]).toHaveLength(4);

    expect(await orderAnswers(postgres.orders)).toEqual(expected);
  });

  it('should answer every product and every page of products as SQLite does', async () => {
    await applyLogToPostgres();
    const expected = await productAnswers(sqlite.products);
    expect(expected.pagesOf2.flatMap((page) => page.nodes.map((node) => node.view.id))).toEqual(PRODUCT_IDS);
    expect(expected.byId[2]).toMatchObject({ id: 'p-1', onHand: 15, reserved: 4, available: 11 });
    expect(expected.byId[0]).toMatchObject({ id: 'P-9', onHand: 3, reserved: 0, available: 3, version: 4 });
    expect(expected.prices).toEqual(
      new Map([
        ['P-9', { amountMinor: 1550, currency: 'EUR' }],
        ['p-0', null],
        ['p-1', { amountMinor: 2999, currency: 'USD' }],
        ['p-2', null],
        ['p_2', { amountMinor: 100_000_000, currency: 'USD' }],
      ]),
    );

    expect(await productAnswers(postgres.products)).toEqual(expected);
  });

  it('should keep money in exact integer minor units', async () => {
    await applyLogToPostgres();
    // 2 × 29.99 + 1 × 49.99 = 109.97
    expect(await postgres.orders.getOrderView('o-1')).toMatchObject({
      totalMinor: 10997,
      status: 'SHIPPED',
      itemCount: 3,
      items: [
        { productId: 'p1', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 },
        { productId: 'p2', quantity: 1, unitPriceMinor: 4999, lineTotalMinor: 4999 },
      ],
    });
    expect(await postgres.orders.getOrderView('o-3')).toMatchObject({ status: 'CANCELLED', refundMinor: 999 });
    expect(await postgres.orders.getOrderView('o-4')).toMatchObject({ status: 'CANCELLED', refundMinor: 0 });
    const { rows } = await client.query(
      "SELECT sum(total_minor) AS total, sum(refund_minor) AS refunds FROM order_views WHERE currency = 'USD'",
    );
    expect(rows).toEqual([{ total: 10997 + 999 + 10997 + 11996 + 10997, refunds: 999 }]);
  });

  it('should announce, event by event, what SQLite announced', async () => {
    const announced = await applyLogToPostgres();
    const events = await log.store.readAll();
    expect(sqliteAnnounced.orders).toHaveLength(events.filter((event) => event.streamType === 'Order').length);
    expect(sqliteAnnounced.products).toHaveLength(events.filter((event) => event.streamType === 'Product').length);

    expect(announced).toEqual(sqliteAnnounced);
  });

  it('should change no answer when the whole log is applied again, and announce again what SQLite does', async () => {
    await applyLogToPostgres();
    const before = { orders: await orderAnswers(postgres.orders), products: await productAnswers(postgres.products) };

    const announcedAgain = await applyLogToPostgres();

    expect({ orders: await orderAnswers(postgres.orders), products: await productAnswers(postgres.products) }).toEqual(before);
    expect(before).toEqual({ orders: await orderAnswers(sqlite.orders), products: await productAnswers(sqlite.products) });
    // SQLite applying the log again from position 0 onto its live tables, announcing as it goes.
    await log.stopEngine();
    log.db.prepare('UPDATE projection_generations SET position = 0').run();
    sqliteAnnounced = { orders: [], products: [] };
    await log.startEngine([orderViewModel, productViewModel], sqliteFeeds());
    // Only each stream's last event is announced again (the rows still show exactly that one), in log order.
    expect(sqliteAnnounced.orders.map(({ view }) => view.id)).toEqual(['o-2', 'o-1', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7']);
    expect(sqliteAnnounced.products.map(({ view }) => view.id)).toEqual(['P-9', 'p-2', 'p_2', 'p-0', 'p-1']);
    expect(announcedAgain).toEqual(sqliteAnnounced);
  });
});
