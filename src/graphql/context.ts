import type { LogReadBudget } from '../server/logReadBudget.js';
import type { Forgotten } from '../application/forgetCustomer.js';
import type { Keyring } from '../privacy/keyring.js';
import type { AnsweredWrites } from '../projections/answeredWrites.js';
import type { CatalogPrices } from '../application/catalogPricing.js';
import type { Clock } from '../clock/clock.js';
import type { InventoryCommands } from '../application/inventoryCommands.js';
import type { PendingOrderCap } from '../application/pendingOrderCap.js';
import type { OrderCommands } from '../application/orderCommands.js';
import type { Caller } from '../auth/access.js';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import type { ChangeFeed } from '../subscriptions/changeFeed.js';
import type { ChangeFeeds } from '../subscriptions/changeFeeds.js';
import type { ReadSource } from '../projections/readDbOf.js';
import type { LogTail } from '../subscriptions/logTail.js';
import type { ReplayLog } from '../subscriptions/countedReads.js';
import type { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import type { DashboardQueries } from '../projections/dashboard/queries.js';
import type { Processes } from '../processes/processes.js';
import type { ReadSideEngine } from '../projections/contracts.js';
import type { OrderViewQueries } from '../projections/orderView/queries.js';
import type { OrderViewChange } from '../projections/orderView/view.js';
import type { ProductViewQueries } from '../projections/productView/queries.js';
import type { ProductViewChange } from '../projections/productView/view.js';

/** What resolvers need of the projection engine: the SQLite engine and the PostgreSQL one both offer it. */
export type ProjectionControl = Pick<ReadSideEngine, 'status' | 'rebuild' | 'retry' | 'livePosition'>;

/** What the server hands every resolver: the write side, the read side and who is asking. */
export type OrderServices = {
  commands: OrderCommands;
  /** Product stock: addProduct, restock, and the reservations the order process makes. */
  inventory: InventoryCommands;
  /** The process managers (inventory reacting to orders): status and retry. */
  processes: Processes;
  /** The orderView read model. */
  orders: OrderViewQueries;
  /** The customerSummary read model. */
  customers: CustomerSummaryQueries;
  /** The dashboard read model. */
  dashboard: DashboardQueries;
  /** The productView read model: stock per product. */
  products: ProductViewQueries;
  /** The time commands are stamped with; the same clock the processes keep time by (payment deadlines). */
  clock: Clock;
  /** The catalog's current prices, which price customers' orders. */
  catalogPrices: CatalogPrices;
  /** At most so many unpaid orders per customer; a customer's placements run one at a time. */
  pendingOrderCap: PendingOrderCap;
  /**
   * Resolves once the read side, and `projection` (default orderView) even while it builds, has
   * applied the log up to `position`; SERVICE_UNAVAILABLE if `projection` cannot.
   */
  readYourWrites: (position: number, projection?: string) => Promise<void>;
  /** Changes answered before the read models showed them: the read-side fields here wait for them first. */
  answeredWrites: AnsweredWrites;
  /** Seals and opens customers' personal data (shipping details) under their data keys. */
  personalData: Keyring;
  /** Destroys the customer's data keys and records CustomerForgotten (src/application/forgetCustomer.ts). */
  forgetCustomer: (customerId: string, by: { userId: string; correlationId: string; now: string }) => Promise<Forgotten>;
  /** The order's events from the log: for history and time-travel queries only. */
  orderHistory: (orderId: string) => Promise<StoredEvent[]>;
  /** The product's events from the log: for answering a retried stock mutation as it first ran. */
  productHistory: (productId: string) => Promise<StoredEvent[]>;
  /** Each caller's budget of events read through the event queries per second. */
  logReads: LogReadBudget;
  /** The log itself, for the event queries (`events`, `correlation`). */
  eventLog: Pick<EventStore, 'readAll' | 'readCorrelation' | 'readStream'>;
  /** The log as subscriptions replay it (from a position or version), each read counted in /metrics. */
  replayLog: ReplayLog;
  /** Every event appended, live, in position order: the event-feed subscriptions. */
  eventFeed: LogTail;
  /** What every read model's queries read (the SQLite file or the PostgreSQL pool): for read models without a field here. */
  readSource: ReadSource;
  /** Each announcing read model's change feed, by read-model name. */
  changeFeeds: ChangeFeeds;
  orderChanges: ChangeFeed<OrderViewChange>;
  productChanges: ChangeFeed<ProductViewChange>;
  /** Status, rebuild and retry of the read models. */
  projections: ProjectionControl;
};

/** `principal` is who the verified token says is asking; `authError` why there is none. */
export type GraphQLContext = OrderServices &
  Caller & {
    /** From the x-correlation-id header (or connection params), else generated per request. */
    correlationId: string;
    /** Over WebSocket: closes the caller's connection (a subscriber too slow to keep up). */
    closeConnection?: (code: number, reason: string) => void;
    /** Over WebSocket: the W3C traceparent the operation continues, while tracing is on (requestTracing.ts). */
    traceparent?: string;
  };
