import type { CommandObserver } from '../application/aggregateCommands.js';
import { InventoryCommands } from '../application/inventoryCommands.js';
import { OrderCommands } from '../application/orderCommands.js';
import { PendingOrderCap } from '../application/pendingOrderCap.js';
import { GroupedReads } from '../concurrency/groupedReads.js';
import { AnsweredWrites } from '../projections/answeredWrites.js';
import { LogReadBudget } from './logReadBudget.js';
import type { Money } from '../domain/money.js';
import { PRODUCT_STATE_SCHEMA_VERSION, productStreamId } from '../domain/inventory/index.js';
import { ORDER_STATE_SCHEMA_VERSION, orderStreamId } from '../domain/order/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { PostgresLogWatcher } from '../eventstore/postgres/postgresLogWatcher.js';
import { PostgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { probeWritable, type WriteProbeResult } from '../eventstore/sqlite/writeProbe.js';
import { fallbackLogger, type Logger } from '../logging/logger.js';
import type { OrderServices } from '../graphql/context.js';
import { ChangeFeeds } from '../subscriptions/changeFeeds.js';
import { LogTail } from '../subscriptions/logTail.js';
import { countedReads } from '../subscriptions/countedReads.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import type { ProductViewChange } from '../projections/productView/view.js';
import { NatsJetStreamPublisher } from '../integration/nats/natsJetStreamPublisher.js';
import { publishingProcess } from '../integration/publishingProcess.js';
import { orderFulfilmentProcess } from '../processes/orderFulfilment.js';
import { Processes } from '../processes/processes.js';
import { UnpaidOrders } from '../processes/unpaidOrders.js';
import { PaymentExpiry } from '../processes/paymentExpiry.js';
import { isoNow, systemClock } from '../clock/clock.js';
import { DEFAULT_CONFIG, type ServerConfig } from './config.js';
import { openApp } from './openApp.js';
import { forgetCustomer, recordErasures } from '../application/forgetCustomer.js';
import { PostgresProjectionEngine } from '../projections/postgres/postgresEngine.js';
import { PostgresProcessLead } from '../processes/postgresProcessLead.js';
import { RecentLogWindow } from '../eventstore/recentLogWindow.js';
import { readModelChannel } from '../projections/postgres/readModelSchema.js';

/** The name the NATS publisher goes by in `projections`. */
export const NATS_PUBLISHER = 'natsPublisher';

export type RunningServices = OrderServices & {
  /** The log as every reader sees it: events in their current shape. */
  store: EventStore;
  /**
   * Whether the database takes writes now, waiting at most `timeoutMs` for another writer's lock
   * (readiness): the SQLite file, and with DATABASE_URL the log in PostgreSQL too.
   */
  probeWritable(timeoutMs?: number): Promise<WriteProbeResult>;
  close(): Promise<void>;
};

/**
 * Where the services report: failures to `logger`, every command to `observeCommand`, and the events
 * each read of a subscription's replay returned to `observeReplayRead` (metrics).
 */
export type ServiceObservers = {
  logger?: Logger;
  observeCommand?: CommandObserver;
  observeReplayRead?: (events: number) => void;
  /** An event query that waited for its caller's read budget. */
  observePacedLogRead?: () => void;
};

/**
 * Wires the write side, the read side and the change feed, caught up. The log and the read models
 * are in the SQLite file, or with `config.postgres` (DATABASE_URL) in PostgreSQL, shared by every
 * instance, each read model written by one leader at a time. Snapshots and process checkpoints stay
 * in this instance's SQLite file either way (see docs/postgresql.md).
 */
export async function openServices(
  config: Pick<ServerConfig, 'databaseFile' | 'synchronous'> &
    Partial<
      Pick<
        ServerConfig,
        | 'snapshotEvery'
        | 'nats'
        | 'subscriberBuffer'
        | 'postgres'
        | 'maxPendingOrders'
        | 'logReadBudget'
        | 'paymentTimeoutMs'
        | 'clock'
        | 'masterKey'
      >
    >,
  observers: ServiceObservers = {},
): Promise<RunningServices> {
  const app = await openApp(config, observers.logger);
  // A master key that cannot open the stored keys stops the start here, before anything serves.
  const keyring = await app.keyring().catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  // Snapshots stay valid beside a shared log: a snapshot is the state at a version, and events never change.
  const { db, log, store, snapshotsOf } = app;
  const clock = config.clock ?? systemClock;
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
  const changeFeeds = new ChangeFeeds(config.subscriberBuffer);
  const readSide = await app.openReadSide(changeFeeds);
  const projections = readSide.engine;
  const eventFeed = await LogTail.start(store, { logger: observers.logger, bufferLimit: config.subscriberBuffer });
  // Inventory reacts to orders; its effects are commands, so it is never rebuilt with the read models.
  // With a shared log one instance at a time runs it (PostgresProcessLead); the one taking over
  // handles again what the last had not published as done, a no-op by each command's idempotency key
  // (<event id>:<step>). The publisher likewise: JetStream drops a re-published event by its message
  // id (the event id) within its duplicate window.
  const publisher = config.nats && new NatsJetStreamPublisher(config.nats);
  // Unpaid orders expire. The orders it waits for live in this file, beside the checkpoints. With a
  // shared log every instance expires them, and the expiry's idempotency key (<OrderPlaced id>:expire)
  // makes the second one a no-op, as for orderFulfilment.
  const paymentExpiry = new PaymentExpiry({
    unpaidOrders: new UnpaidOrders(db),
    orders: commands,
    clock,
    timeoutMs: config.paymentTimeoutMs ?? DEFAULT_CONFIG.paymentTimeoutMs,
    logger: observers.logger ?? fallbackLogger(),
  });
  const processes = new Processes(
    db,
    store,
    [
      orderFulfilmentProcess({ store, orders: commands, inventory, clock: () => isoNow(clock) }),
      paymentExpiry.process,
      ...(publisher ? [publishingProcess(NATS_PUBLISHER, publisher)] : []),
    ],
    undefined,
    observers.logger,
    readSide.sharedDb &&
      ((name) =>
        new PostgresProcessLead(name, {
          connection: config.postgres!,
          db: readSide.sharedDb!,
          store,
          logger: observers.logger ?? fallbackLogger(),
        })),
  );
  processes.start();
  // Erasures a crash left without their event get it now (any instance may; the event is written once).
  await recordErasures(keyring, store, { userId: 'orderstream', correlationId: 'start', now: isoNow(clock) }).catch((error: unknown) =>
    (observers.logger ?? fallbackLogger()).warn(
      { err: error },
      'Could not record forgotten customers at start; the next forget or start will',
    ),
  );
  paymentExpiry.start();
  // Another instance's appends: LISTEN/NOTIFY wakes the readers at once. Only a hint: each reads the
  // log from its own position, the poll timers stay as the fallback, and a reconnect wakes them too.
  const watcher =
    log instanceof PostgresEventStore
      ? await PostgresLogWatcher.start({
          ...config.postgres!,
          alsoListenTo: [readModelChannel(config.postgres!.schema)],
          onWake: (wake) => {
            // A read model's leader moved on: followers look at its progress; the log's readers have nothing new.
            if (wake.reason === 'notified') {
              if (projections instanceof PostgresProjectionEngine) projections.notified(wake.payload, wake.fromBackend);
              return;
            }
            // This instance's own append: its readers were woken when it was answered.
            if (wake.reason === 'appended' && log.sentBy(wake.fromBackend)) return;
            // Another instance appended: the log's readers here trust only a read begun from now on.
            if (store instanceof RecentLogWindow) store.logMoved();
            if (wake.reason === 'connected' && projections instanceof PostgresProjectionEngine) projections.lookAgain();
            else projections.poke();
            eventFeed.poke();
            processes.poke();
          },
          onError: (error) =>
            observers.logger?.warn({ err: error }, 'PostgreSQL: the LISTEN connection failed; reconnecting (the poll goes on meanwhile)'),
        })
      : undefined;

  // New orders answer without waiting for the read models; reads after them here wait instead.
  const answeredWrites = new AnsweredWrites(projections);
  // Placements at once price their lines with one read of the catalog between them.
  const catalogReads = new GroupedReads<Money | null>(async (productIds) => readSide.products.pricesOf(productIds));

  // Placements before this instance started are in the log, none under way here.
  const headAtStart = await store.headPosition();
  // Whether the customer summary shows every placement the cap does not count as under way: those of
  // the log when this instance started, and those whose wait for the read models ended since. Not
  // while the summary is on its first build, has failed, or did not catch up in time.
  const summaryCurrent = (): boolean => {
    try {
      projections.assertCurrent('customerSummary', Math.max(headAtStart, answeredWrites.waitedUpTo));
      return true;
    } catch {
      return false;
    }
  };

  return {
    store,
    projections,
    commands,
    inventory,
    processes,
    orders: answeredWrites.readAfter(readSide.orders),
    customers: answeredWrites.readAfter(readSide.customers),
    dashboard: answeredWrites.readAfter(readSide.dashboard),
    products: answeredWrites.readAfter(readSide.products),
    answeredWrites,
    clock,
    catalogPrices: (productIds) => catalogReads.get(productIds),
    pendingOrderCap: new PendingOrderCap(config.maxPendingOrders ?? DEFAULT_CONFIG.maxPendingOrders, async (customerId) => {
      // The customer summary (one row) when it shows every placement no longer under way (a placement
      // stays under way until the read models show it: the cap's `shown`). While the summary builds,
      // has failed or fell behind those, the order view itself is counted, slower but exact.
      if (summaryCurrent()) return (await readSide.customers.getCustomerSummary(customerId))?.pendingCount ?? 0;
      return (await readSide.orders.listOrderViews({ customerId, status: 'PENDING' }, 1)).totalCount;
    }),
    // The append that made `position` woke the readers already (wakeReaders); this only waits.
    async readYourWrites(position, projection = 'orderView') {
      await projections.waitFor(position, [projection]);
      projections.assertCurrent(projection, position);
    },
    personalData: keyring,
    async forgetCustomer(customerId, by) {
      const started = performance.now();
      const forgotten = await forgetCustomer(keyring, store, customerId, by);
      const durationSeconds = (performance.now() - started) / 1000;
      wakeReaders({ command: 'ForgetCustomer', durationSeconds, appended: [{ type: 'CustomerForgotten' }] });
      return forgotten;
    },
    orderHistory: (orderId) => store.readStream(orderStreamId(orderId)),
    productHistory: (productId) => store.readStream(productStreamId(productId)),
    eventLog: store,
    logReads: new LogReadBudget({ eventsPerSecond: config.logReadBudget, onWait: observers.observePacedLogRead }),
    replayLog: countedReads(store, observers.observeReplayRead ?? (() => {})),
    eventFeed,
    readSource: readSide.readSource,
    changeFeeds,
    orderChanges: changeFeeds.of<OrderViewChange>('orderView'),
    productChanges: changeFeeds.of<ProductViewChange>('productView'),
    async probeWritable(timeoutMs) {
      const readSide = probeWritable(db, timeoutMs);
      if (!readSide.writable || !(log instanceof PostgresEventStore)) return readSide;
      return log.probeWritable(timeoutMs);
    },
    async close() {
      // No expiry starts from here on; those under way finish first.
      await paymentExpiry.stop();
      // Commands already running (a mutation over a WebSocket that just closed) finish before the log closes.
      await Promise.all([commands.settle(), inventory.settle()]);
      await watcher?.close();
      await processes.stop();
      await eventFeed.stop();
      await publisher?.close();
      await app.close();
    },
  };
}
