import type { CommandObserver } from '../application/aggregateCommands.js';
import { eventSchemas } from '../application/eventSchemas.js';
import { InventoryCommands } from '../application/inventoryCommands.js';
import { OrderCommands } from '../application/orderCommands.js';
import { PRODUCT_STATE_SCHEMA_VERSION, productStreamId } from '../domain/inventory/index.js';
import { ORDER_STATE_SCHEMA_VERSION, orderStreamId } from '../domain/order/index.js';
import { openDatabase } from '../eventstore/sqlite/openDatabase.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { SqliteEventStore } from '../eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../eventstore/sqlite/sqliteSnapshotStore.js';
import { UpcastingEventStore } from '../eventstore/upcasting/upcastingEventStore.js';
import { probeWritable, type WriteProbeResult } from '../eventstore/sqlite/writeProbe.js';
import type { Logger } from '../logging/logger.js';
import type { OrderServices } from '../graphql/context.js';
import { ChangeFeed } from '../subscriptions/changeFeed.js';
import { LogTail } from '../subscriptions/logTail.js';
import { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import { DashboardQueries } from '../projections/dashboard/queries.js';
import { projectionDefinitions } from '../projections/definitions.js';
import { OrderViewQueries } from '../projections/orderView/queries.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import { ProductViewQueries } from '../projections/productView/queries.js';
import type { ProductViewChange } from '../projections/productView/view.js';
import { ProjectionEngine } from '../projections/engine.js';
import { NatsJetStreamPublisher } from '../integration/nats/natsJetStreamPublisher.js';
import { publishingProcess } from '../integration/publishingProcess.js';
import { orderFulfilmentProcess } from '../processes/orderFulfilment.js';
import { Processes } from '../processes/processes.js';
import type { ServerConfig } from './config.js';

/** The name the NATS publisher goes by in `projections`. */
export const NATS_PUBLISHER = 'natsPublisher';

export type RunningServices = OrderServices & {
  /** The log as every reader sees it: events in their current shape. */
  store: EventStore;
  /** Whether the database takes writes now, waiting at most `timeoutMs` for another writer's lock (readiness). */
  probeWritable(timeoutMs?: number): WriteProbeResult;
  close(): Promise<void>;
};

/** Where the services report: failures to `logger`, every command to `observeCommand` (metrics). */
export type ServiceObservers = { logger?: Logger; observeCommand?: CommandObserver };

/** Wires the write side, the read side and the change feed on one SQLite file, caught up. */
export async function openServices(
  config: Pick<ServerConfig, 'databaseFile' | 'synchronous'> & Partial<Pick<ServerConfig, 'snapshotEvery' | 'nats' | 'subscriberBuffer'>>,
  observers: ServiceObservers = {},
): Promise<RunningServices> {
  const db = openDatabase(config.databaseFile, { synchronous: config.synchronous });
  const store = new UpcastingEventStore(new SqliteEventStore(db), eventSchemas);
  const snapshotStore = new SqliteSnapshotStore(db);
  const snapshotsOf = (stateSchemaVersion: number) => ({ store: snapshotStore, every: config.snapshotEvery, stateSchemaVersion });
  // Every append wakes the readers of the log at once rather than at their next poll.
  const wakeReaders: CommandObserver = (observation) => {
    observers.observeCommand?.(observation);
    if (observation.appended.length === 0) return;
    projections.poke();
    eventFeed.poke();
    processes.poke();
  };
  const commands = new OrderCommands(store, snapshotsOf(ORDER_STATE_SCHEMA_VERSION), wakeReaders);
  const inventory = new InventoryCommands(store, snapshotsOf(PRODUCT_STATE_SCHEMA_VERSION), wakeReaders);
  const orderChanges = new ChangeFeed<OrderViewChange>(config.subscriberBuffer);
  const productChanges = new ChangeFeed<ProductViewChange>(config.subscriberBuffer);
  const projections = new ProjectionEngine(db, store, projectionDefinitions({ orderChanges, productChanges }), {
    logger: observers.logger,
  });
  await projections.start();
  const eventFeed = await LogTail.start(store, { logger: observers.logger, bufferLimit: config.subscriberBuffer });
  // Inventory reacts to orders; its effects are commands, so it is never rebuilt with the read models.
  const publisher = config.nats && new NatsJetStreamPublisher(config.nats);
  const processes = new Processes(db, store, [
    orderFulfilmentProcess({ store, orders: commands, inventory }),
    ...(publisher ? [publishingProcess(NATS_PUBLISHER, publisher)] : []),
  ], undefined, observers.logger);
  processes.start();

  return {
    store,
    projections,
    commands,
    inventory,
    processes,
    orders: new OrderViewQueries(db),
    customers: new CustomerSummaryQueries(db),
    dashboard: new DashboardQueries(db),
    products: new ProductViewQueries(db),
    async readYourWrites(position, projection = 'orderView') {
      processes.poke();
      await projections.waitFor(position, [projection]);
      projections.assertCurrent(projection, position);
    },
    orderHistory: (orderId) => store.readStream(orderStreamId(orderId)),
    productHistory: (productId) => store.readStream(productStreamId(productId)),
    eventLog: store,
    eventFeed,
    orderChanges,
    productChanges,
    probeWritable: (timeoutMs) => probeWritable(db, timeoutMs),
    async close() {
      // Commands already running (a mutation over a WebSocket that just closed) finish before the log closes.
      await Promise.all([commands.settle(), inventory.settle()]);
      await processes.stop();
      await eventFeed.stop();
      await publisher?.close();
      await projections.stop();
      await store.close();
    },
  };
}
