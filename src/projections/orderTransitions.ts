import { ORDER_STREAM_TYPE, type OrderEvent } from '../domain/order/index.js';
import type { StoredEvent } from '../eventstore/eventStore.js';
import type { OrderViewStatus } from './orderView/view.js';

/**
 * The status an event moves an order to from `status`, exactly as the domain's `evolve` does, or
 * undefined when it moves nothing (OrderPlaced, or an event the status does not allow). For read
 * models that keep counts by status and must not count a transition the domain would ignore.
 */
export function nextOrderStatus(event: OrderEvent, status: OrderViewStatus): OrderViewStatus | undefined {
  switch (event.type) {
    case 'OrderPlaced':
      return undefined;
    case 'PaymentReceived':
      return status === 'PENDING' ? 'PAID' : undefined;
    case 'OrderShipped':
      return status === 'PAID' ? 'SHIPPED' : undefined;
    case 'OrderCancelled':
      return status === 'PENDING' || status === 'PAID' ? 'CANCELLED' : undefined;
    default: {
      const _exhaustive: never = event;
      return undefined;
    }
  }
}

/** ISO 8601 time in one canonical form (2025-01-10T10:00:00.000Z), so that text order is time order. */
export function canonicalTime(text: string, event: { eventId: string; type: string }): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Event ${event.eventId} (${event.type}) carries no valid time: "${text}"`);
  return new Date(ms).toISOString();
}

/** The stored event as an Order event, or undefined when it belongs to another kind of stream. */
export function asOrderEvent(stored: StoredEvent): OrderEvent | undefined {
  return stored.streamType === ORDER_STREAM_TYPE ? ({ type: stored.type, data: stored.data } as OrderEvent) : undefined;
}

/** Money the event moves to the business: a payment in, a refund out, nothing otherwise. */
export function revenueMinor(event: OrderEvent): number {
  if (event.type === 'PaymentReceived') return event.data.amountMinor;
  if (event.type === 'OrderCancelled') return -event.data.refundMinor;
  return 0;
}
