import { eventSchemas } from '../application/eventSchemas.js';
import { OrderCommands } from '../application/orderCommands.js';
import { ORDER_STATE_SCHEMA_VERSION, orderStreamId } from '../domain/order/index.js';
import { openDatabase } from '../eventstore/sqlite/openDatabase.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../eventstore/sqlite/sqliteSnapshotStore.js';
import { UpcastingEventStore } from '../eventstore/upcasting/upcastingEventStore.js';
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
  /** The log as every reader sees it: events in their current shape. */
  store: EventStore;
  close(): Promise<void>;
};

/** Wires the write side, the read side and the change feed on one SQLite file, caught up. */
export async function openServices(
  config: Pick<ServerConfig, 'databaseFile' | 'synchronous'> & Partial<Pick<ServerConfig, 'snapshotEvery'>>,
): Promise<RunningServices> {
  const db = openDatabase(config.databaseFile, { synchronous: config.synchronous });
  const store = new UpcastingEventStore(new SqliteEventStore(db), eventSchemas);
  const snapshots = {
    store: new SqliteSnapshotStore(db),
    every: config.snapshotEvery,
    stateSchemaVersion: ORDER_STATE_SCHEMA_VERSION,
  };
  const orderChanges = new ChangeFeed<OrderViewChange>();
  const projections = new ProjectionEngine(db, store, projectionDefinitions({ orderChanges }));
  await projections.start();

  return {
    store,
    projections,
    commands: new OrderCommands(store, snapshots),
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
