import type { Queryable } from '../projections/postgres/queryable.js';
import type Database from 'better-sqlite3';
import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import type { OrderServices } from '../graphql/context.js';
import type { Logger } from '../logging/logger.js';
import type { ReadSideEngine } from '../projections/contracts.js';
import { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import { DashboardQueries } from '../projections/dashboard/queries.js';
import { readModels } from '../projections/definitions.js';
import { OrderViewQueries } from '../projections/orderView/queries.js';
import { PostgresProjectionEngine } from '../projections/postgres/postgresEngine.js';
import { createReadSidePool, withStorageErrors } from '../projections/postgres/readSidePool.js';
import { ProductViewQueries } from '../projections/productView/queries.js';
import type { ReadSource } from '../projections/readDbOf.js';
import { ProjectionEngine } from '../projections/sqlite/engine.js';
import type { ChangeFeeds } from '../subscriptions/changeFeeds.js';

/** The read models, their engine, what their queries read and the feeds their changes go to. */
export type ReadSide = Pick<OrderServices, 'orders' | 'customers' | 'dashboard' | 'products' | 'readSource' | 'changeFeeds'> & {
  engine: ReadSideEngine;
  /** In PostgreSQL: the read side's pool, for what the instances share beside the read models (process leads). */
  sharedDb?: Queryable;
  close(): Promise<void>;
};

/** The queries of the read models the resolvers name, on `source`; any other read model's read `readSource`. */
function queriesOn(source: ReadSource) {
  return {
    readSource: source,
    orders: new OrderViewQueries(source),
    customers: new CustomerSummaryQueries(source),
    dashboard: new DashboardQueries(source),
    products: new ProductViewQueries(source),
  };
}

/** Each announcing read model's feed, by read-model name. */
function feedsByName(feeds: ChangeFeeds) {
  return Object.fromEntries(readModels.filter((model) => model.announce).map((model) => [model.name, feeds.of(model.name)]));
}

/** This process's read models, in the SQLite file beside (or apart from) the log; started (the views exist). */
export async function sqliteReadSide(db: Database.Database, store: EventStore, feeds: ChangeFeeds, logger?: Logger): Promise<ReadSide> {
  const engine = new ProjectionEngine(db, store, readModels, { logger, feeds: feedsByName(feeds) });
  await engine.start();
  return { changeFeeds: feeds, engine, ...queriesOn(db), close: () => engine.stop() };
}

/** The read models in PostgreSQL, shared by every instance, each written by one leader at a time; started. */
export async function postgresReadSide(
  connection: PostgresConnectionOptions,
  store: EventStore,
  feeds: ChangeFeeds,
  logger?: Logger,
): Promise<ReadSide> {
  const pool = createReadSidePool(connection, {
    onIdleError: (error) =>
      logger?.warn({ err: error }, 'PostgreSQL: an idle connection of the read side dropped; it is replaced on next use'),
  });
  const engine = new PostgresProjectionEngine(pool, store, readModels, { connection, feeds: feedsByName(feeds), logger });
  try {
    await engine.start();
  } catch (error) {
    await engine.stop();
    await pool.end();
    throw error;
  }
  return {
    changeFeeds: feeds,
    engine,
    ...queriesOn(withStorageErrors(pool)),
    sharedDb: withStorageErrors(pool),
    async close() {
      await engine.stop();
      await pool.end();
    },
  };
}
