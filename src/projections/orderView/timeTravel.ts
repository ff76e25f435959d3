import type { StoredEvent } from '../../eventstore/eventStore.js';
import { announcementsInMemory, replayInMemory } from '../replayInMemory.js';
import { orderViewProjection } from './projection.js';
import { OrderViewQueries } from './queries.js';
import { LIVE_ORDER_VIEW_TABLES } from './table.js';
import type { OrderView, OrderViewChange } from './view.js';

/** The order as the read side would have shown it after exactly `events` (its stream, in version order). */
export function orderViewAfter(orderId: string, events: readonly StoredEvent[]): OrderView | undefined {
  if (events.length === 0) return undefined;
  return replayInMemory(orderViewProjection(), LIVE_ORDER_VIEW_TABLES, events, (db) => new OrderViewQueries(db).getOrderView(orderId));
}

/** The order's view after each of `events` (its stream, in version order), as subscribers were told. */
export function orderViewChangesOf(events: readonly StoredEvent[]): OrderViewChange[] {
  return announcementsInMemory(orderViewProjection(), LIVE_ORDER_VIEW_TABLES, events);
}
