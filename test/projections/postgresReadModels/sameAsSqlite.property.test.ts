import fc from 'fast-check';
import { expect, it } from 'vitest';
import { toNdjsonLine } from '../../../src/eventstore/ndjson.js';
import { importEvents } from '../../../src/eventstore/import/importEvents.js';
import { openPostgresEventStore } from '../../../src/eventstore/postgres/postgresEventStore.js';
import { sqliteImportTarget } from '../../../src/eventstore/sqlite/sqliteImportTarget.js';
import { openDatabase } from '../../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqliteEventStore.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { ProjectionStatus } from '../../../src/projections/contracts.js';
import { CustomerSummaryQueries } from '../../../src/projections/customerSummary/queries.js';
import { DashboardQueries } from '../../../src/projections/dashboard/queries.js';
import type { DashboardWindow } from '../../../src/projections/dashboard/view.js';
import { readModels } from '../../../src/projections/definitions.js';
import { decodeOrderCursor } from '../../../src/projections/orderView/cursor.js';
import { type OrderFilter, type OrderPage, OrderViewQueries } from '../../../src/projections/orderView/queries.js';
import type { OrderViewStatus } from '../../../src/projections/orderView/view.js';
import { PostgresProjectionEngine } from '../../../src/projections/postgres/postgresEngine.js';
import { createReadSidePool } from '../../../src/projections/postgres/readSidePool.js';
import { decodeProductCursor } from '../../../src/projections/productView/cursor.js';
import { type ProductPage, ProductViewQueries } from '../../../src/projections/productView/queries.js';
import { ProjectionEngine } from '../../../src/projections/sqlite/engine.js';
import { SalesByProductQueries } from '../../../src/projections/salesByProduct/salesByProduct.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL } from '../../support/postgres.js';
import {
  BASE_TIME,
  commandSequence,
  CUSTOMER_IDS,
  EVERY_STATUS_HISTORY,
  ORDER_IDS,
  PRODUCT_IDS,
  readWholeLog,
  runHistory,
  UNKNOWN_ORDER,
} from '../commandHistories.js';

/**
 * Whatever the command history, the PostgreSQL read models answer every query exactly as their
 * SQLite twins do over the same log (same events, same positions): PostgreSQL run live by its
 * engine in small batches while the commands append, SQLite built from a copy of the log. A rebuild
 * of a PostgreSQL read model changes no answer.
 */

const NUM_RUNS = 20;
// Errors only: each run's engines would otherwise log every lead taken and given up.
const logger = createLogger({ level: 'error', format: 'json' });
const STATUSES: OrderViewStatus[] = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];
const ORDER_FILTERS: OrderFilter[] = [
  {},
  { customerId: 'nobody' },
  ...CUSTOMER_IDS.map((customerId) => ({ customerId })),
  ...STATUSES.map((status) => ({ status })),
  ...CUSTOMER_IDS.flatMap((customerId) => STATUSES.map((status) => ({ customerId, status }))),
];
const minute = (n: number) => BASE_TIME + n * 60_000;
// Commands run a minute apart from BASE_TIME, so these bounds fall on events: from inclusive, to exclusive.
const WINDOWS: Record<string, Omit<DashboardWindow, 'currency'>> = {
  open: {},
  'from minute 10': { fromMs: minute(10) },
  'until minute 20': { toMs: minute(20) },
  'minutes 5 to 30': { fromMs: minute(5), toMs: minute(30) },
  'before the first command': { toMs: BASE_TIME },
  'the next day': { fromMs: minute(24 * 60) },
};

type ReadModels = {
  orders: OrderViewQueries;
  customers: CustomerSummaryQueries;
  dashboard: DashboardQueries;
  products: ProductViewQueries;
  sales: SalesByProductQueries;
};

/** Every query's answers, keyed so that a difference names its query; one query at a time. */
async function answersOf({ orders, customers, dashboard, products, sales }: ReadModels, head: number): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  // Besides the histories' ids: one no history uses, and one of the other kind.
  for (const id of [...ORDER_IDS, UNKNOWN_ORDER, 'o-none', 'p1']) answers[`order ${id}`] = await orders.getOrderView(id);
  for (const filter of ORDER_FILTERS) {
    for (const first of [1, 2, 100]) {
      // Page after page, each from the last cursor, as a client does.
      const pages = [];
      for (let after: number | undefined; ; ) {
        const page = await orders.listOrderViews(filter, first, after);
        pages.push(page);
        if (!page.hasNextPage) break;
        after = decodeOrderCursor(page.nodes.at(-1)!.cursor);
      }
      answers[`orders ${JSON.stringify(filter)}, pages of ${first}`] = pages;
    }
  }
  // A position that is no order's cursor: the middle of the log.
  answers['orders after the middle of the log'] = await orders.listOrderViews({}, 100, Math.ceil(head / 2));
  for (const id of [...CUSTOMER_IDS, 'nobody']) answers[`customer ${id}`] = await customers.getCustomerSummary(id);
  for (const currency of ['USD', 'EUR', 'GBP']) {
    for (const [name, window] of Object.entries(WINDOWS))
      answers[`dashboard ${currency}, ${name}`] = await dashboard.getDashboard({ ...window, currency });
  }
  for (const id of [...PRODUCT_IDS, 'p-none', 'o-1']) answers[`product ${id}`] = await products.getProductView(id);
  answers['prices of every product'] = await products.pricesOf([...PRODUCT_IDS, 'p-none', 'o-1']);
  for (const first of [1, 100]) {
    const pages = [];
    for (let after: string | undefined; ; ) {
      const page = await products.listProductViews(first, after);
      pages.push(page);
      if (!page.hasNextPage) break;
      after = decodeProductCursor(page.nodes.at(-1)!.cursor);
    }
    answers[`products, pages of ${first}`] = pages;
  }
  // After ids that sort differently byte by byte than under a language's collation ('-' before digits).
  for (const after of ['p-unknown', 'p1', 'a']) answers[`products after ${after}`] = await products.listProductViews(100, after);
  for (const currency of ['USD', 'EUR', 'GBP']) {
    const year = { fromDay: '2025-01-01', toDay: '2025-12-31', currency };
    answers[`sales ${currency}`] = await sales.sales(year, 1000);
    answers[`sales ${currency} of two products`] = await sales.sales({ ...year, productIds: PRODUCT_IDS.slice(0, 2) }, 1000);
    answers[`sales ${currency}, first 1`] = await sales.sales(year, 1);
  }
  return answers;
}

/** Waits until every read model shows the log up to `head`, then checks none failed or is still building. */
async function expectAllLive(engine: { status(): Promise<ProjectionStatus[]> }, head: number): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const statuses = await engine.status();
    if (statuses.every((status) => status.state === 'FAILED' || (status.state === 'LIVE' && status.position === head))) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const status of await engine.status()) {
    expect(status, `projection ${status.name}`).toMatchObject({ state: 'LIVE', position: head, lastError: null, rebuildPosition: null });
  }
}

await describeWithPostgres('PostgreSQL read models, over random histories', () => {
  it('should answer every query as the SQLite read models do, live and after a rebuild', async () => {
    const stats = { runs: 0, accepted: 0, refused: 0, runsWithOrders: 0, runsWithProducts: 0, statuses: new Set<unknown>() };
    const names = readModels.map((definition) => definition.name);

    await fc.assert(
      fc.asyncProperty(
        commandSequence,
        fc.integer({ min: 1, max: 5 }), // live batch size: small, so batches end mid-history
        fc.integer({ min: 1, max: 5 }), // rebuild batch size
        fc.constantFrom(...names), // the read model rebuilt
        async (commands, batchSize, rebuildBatchSize, rebuilt) => {
          const cleanup: (() => Promise<void>)[] = [];
          try {
            // 1. PostgreSQL: a fresh schema, its engine live from the empty log while the commands append.
            const schema = await createTestSchema();
            cleanup.push(() => schema.drop());
            const connection = { connectionString: POSTGRES_TEST_URL, schema: schema.schema };
            const store = await openPostgresEventStore({ ...connection, poolSize: 2 });
            cleanup.push(() => store.close());
            const pool = createReadSidePool(connection, { max: 4 });
            cleanup.push(() => pool.end());
            const engine = new PostgresProjectionEngine(pool, store, readModels, {
              connection,
              batchSize,
              rebuildBatchSize,
              pollIntervalMs: 20,
              logger,
            });
            await engine.start();
            cleanup.push(() => engine.stop());
            const { accepted, refused } = await runHistory(store, commands);
            const head = await store.headPosition();
            await engine.waitFor(head, names);
            await expectAllLive(engine, head);

            // 2. SQLite: the same log imported with the same positions, built by its engine.
            const db = openDatabase(':memory:');
            const sqliteStore = new SqliteEventStore(db);
            cleanup.push(() => sqliteStore.close());
            const log = await readWholeLog(store);
            await importEvents(sqliteImportTarget(db), async function* () {
              for (const event of log) yield toNdjsonLine(event);
            });
            expect(await readWholeLog(sqliteStore), 'SQLite holds the same events at the same positions').toEqual(log);
            const sqliteEngine = new ProjectionEngine(db, sqliteStore, readModels, { batchSize: 100, logger });
            await sqliteEngine.start();
            cleanup.push(() => sqliteEngine.stop());
            await sqliteEngine.waitFor(head, names);
            await expectAllLive(sqliteEngine, head);

            // 3. The same answers, and again after one PostgreSQL read model is rebuilt and swapped in.
            const expected = await answersOf(
              {
                orders: new OrderViewQueries(db),
                customers: new CustomerSummaryQueries(db),
                dashboard: new DashboardQueries(db),
                products: new ProductViewQueries(db),
                sales: new SalesByProductQueries(db),
              },
              head,
            );
            const postgres: ReadModels = {
              orders: new OrderViewQueries(pool),
              customers: new CustomerSummaryQueries(pool),
              dashboard: new DashboardQueries(pool),
              products: new ProductViewQueries(pool),
              sales: new SalesByProductQueries(pool),
            };
            expect(await answersOf(postgres, head)).toEqual(expected);
            await engine.rebuild(rebuilt);
            await expectAllLive(engine, head);
            expect(await answersOf(postgres, head), `after rebuilding ${rebuilt}`).toEqual(expected);

            stats.runs++;
            stats.accepted += accepted;
            stats.refused += refused;
            const [orders] = expected['orders {}, pages of 100'] as OrderPage[];
            if (orders!.totalCount > 0) stats.runsWithOrders++;
            for (const { view } of orders!.nodes) stats.statuses.add(view.status);
            if ((expected['products, pages of 100'] as ProductPage[])[0]!.totalCount > 0) stats.runsWithProducts++;
          } finally {
            for (const close of cleanup.reverse()) await close();
          }
        },
      ),
      // Besides the random histories, one with an order in every status (the coverage check below).
      { numRuns: NUM_RUNS, examples: [[EVERY_STATUS_HISTORY, 3, 2, 'orderView']] },
    );

    // Only worth something if the histories built orders in every status, and products, and mixed outcomes.
    expect(stats.runs).toBe(NUM_RUNS);
    expect(stats.runsWithOrders).toBeGreaterThan(NUM_RUNS / 2);
    expect(stats.runsWithProducts).toBeGreaterThan(NUM_RUNS / 2);
    expect(stats.statuses).toEqual(new Set(STATUSES));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.refused).toBeGreaterThan(0);
    // Genuinely long: NUM_RUNS random histories, each run through PostgreSQL and SQLite, live and rebuilt (about 11 s here).
  }, 60_000);
});
