import type { OrderCommands } from '../application/orderCommands.js';
import type { Caller } from '../auth/access.js';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import type { ChangeFeed } from '../projections/changeFeed.js';
import type { CustomerSummaryQueries } from '../projections/customerSummary/queries.js';
import type { DashboardQueries } from '../projections/dashboard/queries.js';
import type { ProjectionEngine } from '../projections/engine.js';
import type { OrderViewQueries } from '../projections/orderView/queries.js';
import type { OrderViewChange } from '../projections/orderView/view.js';

/** What the server hands every resolver: the write side, the read side and who is asking. */
export type OrderServices = {
  commands: OrderCommands;
  orders: OrderViewQueries;
  /** The customerSummary read model. */
  customers: CustomerSummaryQueries;
  /** The dashboard read model. */
  dashboard: DashboardQueries;
  /** Resolves once the read side has applied the log up to `position`; SERVICE_UNAVAILABLE if it cannot. */
  readYourWrites: (position: number) => Promise<void>;
  /** The order's events from the log: for history and time-travel queries only. */
  orderHistory: (orderId: string) => Promise<StoredEvent[]>;
  /** The log itself, for the global event feed. */
  eventLog: Pick<EventStore, 'readAll'>;
  orderChanges: ChangeFeed<OrderViewChange>;
  /** Status, rebuild and retry of the read models. */
  projections: ProjectionEngine;
};

/** `principal` is who the verified token says is asking; `authError` why there is none. */
export type GraphQLContext = OrderServices &
  Caller & {
  /** From the x-correlation-id header (or connection params), else generated per request. */
  correlationId: string;
};
