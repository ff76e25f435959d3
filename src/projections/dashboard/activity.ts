import type { OrderEvent } from '../../domain/order/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { canonicalTime } from '../orderTransitions.js';
import type { ActivityKind } from './table.js';

const KIND: Record<OrderEvent['type'], ActivityKind> = {
  OrderPlaced: 'PLACED',
  PaymentReceived: 'PAID',
  OrderShipped: 'SHIPPED',
  OrderCancelled: 'CANCELLED',
};

/** An order event's activity row at its event time (occurredAt), all but its currency and revenue. */
export function activityOf(stored: StoredEvent, event: OrderEvent) {
  const at = canonicalTime(stored.metadata.occurredAt, stored);
  return { orderId: event.data.orderId, version: stored.version, kind: KIND[event.type], atMs: Date.parse(at), day: at.slice(0, 10) };
}
