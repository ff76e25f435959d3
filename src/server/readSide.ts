import type Database from 'better-sqlite3';
import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import type { Logger } from '../logging/logger.js';
import type { OrderServices } from '../graphql/context.js';
import { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import { PostgresCustomerSummaryQueries } from '../projections/customerSummary/postgresQueries.js';
import { DashboardQueries } from '../projections/dashboard/queries.js';
import { PostgresDashboardQueries } from '../projections/dashboard/postgresQueries.js';
import { projectionDefinitions } from '../projections/definitions.js';
import { ProjectionEngine } from '../projections/engine.js';
import { OrderViewQueries } from '../projections/orderView/queries.js';
import { PostgresOrderViewQueries } from '../projections/orderView/postgresQueries.js';
import { postgresProjectionDefinitions } from '../projections/postgres/definitions.js';
import { PostgresProjectionEngine } from '../projections/postgres/postgresEngine.js';
import { createReadSidePool, withStorageErrors } from '../projections/postgres/readSidePool.js';
import { ProductViewQueries } from '../projections/productView/queries.js';
import { PostgresProductViewQueries } from '../projections/productView/postgresQueries.js';
import type { ReadSideEngine } from '../projections/readSideEngine.js';

/** The read models, their engine and the feeds their changes go to. */
export type ReadSide = Pick<OrderServices, 'orders' | 'customers' | 'dashboard' | 'products' | 'orderChanges' | 'productChanges'> & {
  engine: ReadSideEngine;
  close(): Promise<void>;
};

type Feeds = Pick<OrderServices, 'orderChanges' | 'productChanges'>;

/** This process's read models, in the SQLite file beside (or apart from) the log; started (the views exist). */
export async function sqliteReadSide(db: Database.Database, store: EventStore, feeds: Feeds, logger?: Logger): Promise<ReadSide> {
  const engine = new ProjectionEngine(db, store, projectionDefinitions(feeds), { logger });
  await engine.start();
  return {
    ...feeds,
    engine,
    orders: new OrderViewQueries(db),
    customers: new CustomerSummaryQueries(db),
    dashboard: new DashboardQueries(db),
    products: new ProductViewQueries(db),
    close: () => engine.stop(),
  };
}

/** The read models in PostgreSQL, shared by every instance, each written by one leader at a time; started. */
export async function postgresReadSide(
  connection: PostgresConnectionOptions,
  store: EventStore,
  feeds: Feeds,
  logger?: Logger,
): Promise<ReadSide> {
  const pool = createReadSidePool(connection, {
    onIdleError: (error) =>
      logger?.warn({ err: error }, 'PostgreSQL: an idle connection of the read side dropped; it is replaced on next use'),
  });
  const engine = new PostgresProjectionEngine(pool, store, postgresProjectionDefinitions(), {
    connection,
    feeds: { orderView: feeds.orderChanges, productView: feeds.productChanges },
    logger,
  });
  try {
    await engine.start();
  } catch (error) {
    await engine.stop();
    await pool.end();
    throw error;
  }
  const reads = withStorageErrors(pool);
  return {
    ...feeds,
    engine,
    orders: new PostgresOrderViewQueries(reads),
    customers: new PostgresCustomerSummaryQueries(reads),
    dashboard: new PostgresDashboardQueries(reads),
    products: new PostgresProductViewQueries(reads),
    async close() {
      await engine.stop();
      await pool.end();
    },
  };
}
