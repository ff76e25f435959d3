import { OrderCommands } from '../application/orderCommands.js';
import { orderStreamId } from '../domain/order/index.js';
import { openDatabase } from '../eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import type { OrderServices } from '../graphql/context.js';
import { ChangeFeed } from '../projections/changeFeed.js';
import { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import { DashboardQueries } from '../projections/dashboard/queries.js';
import { projectionDefinitions } from '../projections/definitions.js';
import { OrderViewQueries } from '../projections/orderView/queries.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import { ProjectionEngine } from '../projections/engine.js';
import type { ServerConfig } from './config.js';

export type RunningServices = OrderServices & {
  store: SqliteEventStore;
  close(): Promise<void>;
};

/** Wires the write side, the read side and the change feed on one SQLite file, caught up. */
export async function openServices(config: Pick<ServerConfig, 'databaseFile' | 'synchronous'>): Promise<RunningServices> {
  const db = openDatabase(config.databaseFile, { synchronous: config.synchronous });
  const store = new SqliteEventStore(db);
  const orderChanges = new ChangeFeed<OrderViewChange>();
  const projections = new ProjectionEngine(db, store, projectionDefinitions({ orderChanges }));
  await projections.start();

  return {
    store,
    projections,
    commands: new OrderCommands(store),
    orders: new OrderViewQueries(db),
    customers: new CustomerSummaryQueries(db),
    dashboard: new DashboardQueries(db),
    async readYourWrites(position) {
      await projections.waitFor(position, ['orderView']);
      projections.assertCurrent('orderView', position);
    },
    orderHistory: (orderId) => store.readStream(orderStreamId(orderId)),
    eventLog: store,
    orderChanges,
    async close() {
      await projections.stop();
      await store.close();
    },
  };
}
