import type { OrderEvent } from '../../domain/order/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent, canonicalTime, nextOrderStatus, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { ReadModel } from '../readModel.js';

export type ActivityKind = 'PLACED' | 'PAID' | 'SHIPPED' | 'CANCELLED';

/** Each order's currency, current status and total, for the by-status figures. */
type DashboardOrderRow = { order_id: string; currency: string; status: string; total_minor: number; placed_at_ms: number; version: number };

type DashboardOrder = { dashboard_orders: [DashboardOrderRow] };

const KIND: Record<OrderEvent['type'], ActivityKind> = {
  OrderPlaced: 'PLACED',
  PaymentReceived: 'PAID',
  OrderShipped: 'SHIPPED',
  OrderCancelled: 'CANCELLED',
};

/**
 * The dashboard's figures from the Order streams: each order's current status and total, and one
 * activity row per event that moved an order, at its event time (occurredAt), so that any
 * [from, to) window sums exactly. Announces nothing.
 */
export const dashboardModel: ReadModel<DashboardOrder, never> = {
  name: 'dashboard',
  version: 1,
  tables: {
    dashboard_orders: {
      columns: {
        order_id: { type: 'text' },
        currency: { type: 'text' },
        status: { type: 'text' },
        total_minor: { type: 'integer' },
        placed_at_ms: { type: 'integer' },
        version: { type: 'integer' },
      },
      primaryKey: ['order_id'],
      indexes: { by_placed: ['currency', 'placed_at_ms'] },
    },
    /** revenue_minor: + the payment, − the refund of a cancellation, 0 otherwise. */
    dashboard_activity: {
      columns: {
        order_id: { type: 'text' },
        version: { type: 'integer' },
        kind: { type: 'text', check: "kind IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')" },
        currency: { type: 'text' },
        at_ms: { type: 'integer' },
        day: { type: 'text' },
        revenue_minor: { type: 'integer' },
      },
      primaryKey: ['order_id', 'version'],
      indexes: { by_currency_time: ['currency', 'at_ms'], by_time: ['at_ms'] },
    },
  },
  documents: {
    tables: ['dashboard_orders'],
    key: 'order_id',
    keyOf: (event) => asOrderEvent(event)?.data.orderId,
    evolve(doc, stored) {
      const event = asOrderEvent(stored)!;
      if (event.type === 'OrderPlaced') {
        const { orderId, currency, totalMinor } = event.data;
        const row = {
          order_id: orderId,
          currency,
          status: 'PENDING',
          total_minor: totalMinor,
          placed_at_ms: eventTime(stored).atMs,
          version: stored.version,
        };
        return { dashboard_orders: [row] };
      }
      // An order never placed has nothing to count (decide never lets such an event through).
      if (!doc) return undefined;
      const [order] = doc.dashboard_orders;
      // Like the domain's evolve, an event that does not move the order from its status changes nothing but the version.
      const status = nextOrderStatus(event, order.status as OrderViewStatus) ?? order.status;
      return { dashboard_orders: [{ ...order, status, version: stored.version }] };
    },
  },
  aggregate(before, after, stored) {
    const event = asOrderEvent(stored)!;
    const [order] = after.dashboard_orders;
    if (before && before.dashboard_orders[0].status === order.status) return [];
    const { atMs, day } = eventTime(stored);
    const key = { order_id: order.order_id, version: stored.version };
    const activity = { ...key, kind: KIND[event.type], currency: order.currency, at_ms: atMs, day, revenue_minor: revenueMinor(event) };
    // Recorded once whatever happens: a second line of defence behind the version.
    return [{ table: 'dashboard_activity', key, update: (row) => row ?? activity }];
  },
};

/** The event's time (occurredAt) in epoch milliseconds and its UTC day. */
function eventTime(stored: StoredEvent): { atMs: number; day: string } {
  const at = canonicalTime(stored.metadata.occurredAt, stored);
  return { atMs: Date.parse(at), day: at.slice(0, 10) };
}
