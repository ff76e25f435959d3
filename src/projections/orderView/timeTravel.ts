import type { StoredEvent } from '../../eventstore/eventStore.js';
import { replayInMemory } from '../replayInMemory.js';
import { orderViewProjection } from './projection.js';
import { OrderViewQueries } from './queries.js';
import { LIVE_ORDER_VIEW_TABLES } from './table.js';
import type { OrderView } from './view.js';

/** The order as the read side would have shown it after exactly `events` (its stream, in version order). */
export function orderViewAfter(orderId: string, events: readonly StoredEvent[]): OrderView | undefined {
  if (events.length === 0) return undefined;
  return replayInMemory(orderViewProjection(), LIVE_ORDER_VIEW_TABLES, events, (db) => new OrderViewQueries(db).getOrderView(orderId));
}
