import Database from 'better-sqlite3';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { orderViewProjection } from './projection.js';
import { OrderViewQueries } from './queries.js';
import { LIVE_ORDER_VIEW_TABLES } from './table.js';
import type { OrderView } from './view.js';

/**
 * The order as the read side would have shown it after exactly `events` (one order's stream, in
 * version order): the live projection's own code applied to a throwaway in-memory table, so
 * time travel and the live view can never disagree on what an event means.
 */
export function orderViewAfter(orderId: string, events: readonly StoredEvent[]): OrderView | undefined {
  if (events.length === 0) return undefined;
  const db = new Database(':memory:');
  try {
    const definition = orderViewProjection();
    for (const [table, ddl] of Object.entries(definition.tables)) db.exec(ddl(table));
    const writer = definition.create(db, LIVE_ORDER_VIEW_TABLES, { announce: false });
    for (const event of events) writer.apply(event);
    return new OrderViewQueries(db).getOrderView(orderId);
  } finally {
    db.close();
  }
}
