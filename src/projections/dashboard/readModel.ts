import { placedInKeptUnits } from '../../domain/order/index.js';
import type { OrderEvent } from '../../domain/order/index.js';
import { asOrderEvent, eventTime, orderStatusDocuments, revenueMinor } from '../orderTransitions.js';
import type { ReadModel } from '../readModel.js';
import { table } from '../tables.js';

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
 * [from, to) window sums exactly. Announces nothing. Version 2: amounts in kept units of the
 * currency (see Money: thousandths for KWD).
 */
export const dashboardModel: ReadModel<DashboardOrder, never> = {
  name: 'dashboard',
  version: 2,
  tables: {
    dashboard_orders: table('order_id text, currency text, status text, total_minor integer, placed_at_ms integer, version integer', {
      primaryKey: ['order_id'],
      indexes: { by_placed: ['currency', 'placed_at_ms'] },
    }),
    /** revenue_minor: + the payment, − the refund of a cancellation, 0 otherwise. */
    dashboard_activity: table('order_id text, version integer, kind text, currency text, at_ms integer, day text, revenue_minor integer', {
      primaryKey: ['order_id', 'version'],
      indexes: { by_currency_time: ['currency', 'at_ms'], by_time: ['at_ms'] },
      checks: ["kind IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')"],
    }),
  },
  documents: orderStatusDocuments('dashboard_orders', ({ data }, stored) => ({
    order_id: data.orderId,
    currency: data.currency,
    status: 'PENDING',
    total_minor: placedInKeptUnits(data).totalMinor,
    placed_at_ms: eventTime(stored).atMs,
    version: stored.version,
  })),
  aggregate(before, after, stored) {
    const event = asOrderEvent(stored)!;
    const [order] = after.dashboard_orders;
    if (before && before.dashboard_orders[0].status === order.status) return [];
    const { atMs, day } = eventTime(stored);
    const activity = {
      order_id: order.order_id,
      version: stored.version,
      kind: KIND[event.type],
      currency: order.currency,
      at_ms: atMs,
      day,
      revenue_minor: revenueMinor(event, order.currency),
    };
    // Recorded once whatever happens: a second line of defence behind the version.
    return [{ table: 'dashboard_activity', record: activity }];
  },
};
