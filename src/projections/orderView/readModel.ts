import { inCurrencyUnits } from '../../domain/money.js';
import { placedInKeptUnits } from '../../domain/order/index.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { foldInMemory } from '../fold.js';
import { asOrderEvent } from '../orderTransitions.js';
import type { ReadModel } from '../readModel.js';
import { table } from '../tables.js';
import type { OrderView, OrderViewChange, OrderViewStatus } from './view.js';

export type OrderViewRow = {
  order_id: string;
  customer_id: string;
  status: string;
  currency: string;
  total_minor: number;
  item_count: number;
  payment_id: string | null;
  payment_method: string | null;
  tracking_number: string | null;
  carrier: string | null;
  estimated_delivery: string | null;
  cancellation_reason: string | null;
  refund_minor: number | null;
  /** The shipping details as the log holds them, sealed (src/privacy/): opened when answered, so a forgotten customer's read as erased. */
  shipping_sealed: string | null;
  placed_at: string;
  placed_position: number;
  updated_at: string;
  version: number;
  position: number;
};

export type OrderItemRow = {
  order_id: string;
  line_number: number;
  product_id: string;
  name: string;
  quantity: number;
  unit_price_minor: number;
  line_total_minor: number;
};

type OrderDocument = { order_views: [OrderViewRow]; order_view_items: OrderItemRow[] };

/**
 * Every order as the read side serves it: one order_views row per order, its lines in
 * order_view_items. Each applied event announces the order's view as of that event. Version 2:
 * amounts in kept units of the currency (see Money: thousandths for KWD). 3: shipping details,
 * kept sealed: the read model never holds personal data in the clear, so forgetting a customer
 * (destroying their key) needs no purge here and a rebuild gives the same erased answers.
 */
export const orderViewModel: ReadModel<OrderDocument, OrderViewChange> = {
  name: 'orderView',
  version: 3,
  tables: {
    order_views: table(
      `order_id text, customer_id text, status text, currency text, total_minor integer, item_count integer,
         payment_id text?, payment_method text?, tracking_number text?, carrier text?,
         estimated_delivery text?, cancellation_reason text?, refund_minor integer?, shipping_sealed text?, placed_at text,
         placed_position integer unique, updated_at text, version integer, position integer`,
      { primaryKey: ['order_id'], indexes: { by_customer: ['customer_id', 'placed_position'], by_status: ['status', 'placed_position'] } },
    ),
    order_view_items: table(
      `order_id text, line_number integer, product_id text, name text, quantity integer,
         unit_price_minor integer, line_total_minor integer`,
      { primaryKey: ['order_id', 'line_number'] },
    ),
  },
  documents: {
    tables: ['order_views', 'order_view_items'],
    key: 'order_id',
    keyOf: (event) => asOrderEvent(event)?.data.orderId,
    evolve(doc, stored) {
      const event = asOrderEvent(stored)!;
      const touched = { version: stored.version, position: stored.position, updated_at: stored.metadata.occurredAt };
      if (event.type === 'OrderPlaced') {
        const { orderId, customerId, currency, totalMinor, items, shipping, placedAt } = placedInKeptUnits(event.data);
        const row: OrderViewRow = {
          order_id: orderId,
          customer_id: customerId,
          status: 'PENDING',
          currency,
          total_minor: totalMinor,
          item_count: items.reduce((sum, item) => sum + item.quantity, 0),
          payment_id: null,
          payment_method: null,
          tracking_number: null,
          carrier: null,
          estimated_delivery: null,
          cancellation_reason: null,
          refund_minor: null,
          shipping_sealed: shipping,
          placed_at: placedAt,
          placed_position: stored.position,
          ...touched,
        };
        const lines = items.map((item, index) => ({
          order_id: orderId,
          line_number: index + 1,
          product_id: item.productId,
          name: item.name,
          quantity: item.quantity,
          unit_price_minor: item.unitPriceMinor,
          line_total_minor: item.unitPriceMinor * item.quantity,
        }));
        return { order_views: [row], order_view_items: lines };
      }
      // An order never placed has no row to change (decide never lets such an event through).
      if (!doc) return undefined;
      const [row] = doc.order_views;
      switch (event.type) {
        case 'PaymentReceived':
          return withRow(doc, { ...row, ...touched, status: 'PAID', payment_id: event.data.paymentId, payment_method: event.data.method });
        case 'OrderShipped': {
          const { trackingNumber, carrier, estimatedDelivery } = event.data;
          return withRow(doc, {
            ...row,
            ...touched,
            status: 'SHIPPED',
            tracking_number: trackingNumber,
            carrier,
            estimated_delivery: estimatedDelivery,
          });
        }
        case 'OrderCancelled':
          return withRow(doc, {
            ...row,
            ...touched,
            status: 'CANCELLED',
            cancellation_reason: event.data.reason,
            refund_minor: inCurrencyUnits(event.data.refundMinor, event.data.scale, row.currency),
          });
        default: {
          const _exhaustive: never = event;
          return doc;
        }
      }
    },
  },
  announce: (doc) => ({ view: toOrderView(doc.order_views[0], doc.order_view_items) }),
};

function withRow(doc: OrderDocument, row: OrderViewRow): OrderDocument {
  return { order_views: [row], order_view_items: doc.order_view_items };
}

/** A row and its items (by line number) as the read side serves them. */
export function toOrderView(row: OrderViewRow, items: OrderItemRow[]): OrderView {
  return {
    id: row.order_id,
    customerId: row.customer_id,
    status: row.status as OrderViewStatus,
    currency: row.currency,
    totalMinor: row.total_minor,
    items: items.map((item) => ({
      productId: item.product_id,
      name: item.name,
      quantity: item.quantity,
      unitPriceMinor: item.unit_price_minor,
      lineTotalMinor: item.line_total_minor,
    })),
    itemCount: row.item_count,
    paymentId: row.payment_id,
    paymentMethod: row.payment_method,
    trackingNumber: row.tracking_number,
    carrier: row.carrier,
    estimatedDelivery: row.estimated_delivery,
    cancellationReason: row.cancellation_reason,
    refundMinor: row.refund_minor,
    sealedShipping: row.shipping_sealed,
    placedAt: row.placed_at,
    updatedAt: row.updated_at,
    version: row.version,
    position: row.position,
  };
}

/** The order as the read side would have shown it after exactly `events` (its stream, in version order). */
export function orderViewAfter(orderId: string, events: readonly StoredEvent[]): OrderView | undefined {
  const doc = foldInMemory(orderViewModel, events, { announce: false }).document(orderId);
  return doc && toOrderView(doc.order_views[0], doc.order_view_items);
}

/** The order's view after each of `events` (in position order), as subscribers were told. */
export function orderViewChangesOf(events: readonly StoredEvent[]): OrderViewChange[] {
  return foldInMemory(orderViewModel, events, { announce: true }).changes;
}
