import { asOrderEvent, canonicalTime, orderStatusDocuments, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { AggregateUpdate, ReadModel } from '../readModel.js';
import { table } from '../tables.js';

export type CustomerSummaryRow = {
  customer_id: string;
  order_count: number;
  pending_count: number;
  paid_count: number;
  shipped_count: number;
  cancelled_count: number;
  first_order_at: string;
  last_order_at: string;
  latest_currency: string;
};

/** What later events of an order need (PaymentReceived names no customer). */
type CustomerOrderRow = { order_id: string; customer_id: string; currency: string; status: string; version: number };

type CustomerOrder = { customer_summary_orders: [CustomerOrderRow] };

const COUNT_OF: Record<OrderViewStatus, keyof CustomerSummaryRow> = {
  PENDING: 'pending_count',
  PAID: 'paid_count',
  SHIPPED: 'shipped_count',
  CANCELLED: 'cancelled_count',
};

/**
 * One summary row per customer (order counts by status, first and last order) and their spend per
 * currency, from the Order streams. Announces nothing. Version 2: spend in kept units of the
 * currency (see Money: thousandths for KWD).
 */
export const customerSummaryModel: ReadModel<CustomerOrder, never> = {
  name: 'customerSummary',
  version: 2,
  tables: {
    /** One row per customer with at least one order: counts by current status, first and last order. */
    customer_summaries: table(
      `customer_id text, order_count integer, pending_count integer, paid_count integer,
         shipped_count integer, cancelled_count integer, first_order_at text, last_order_at text,
         latest_currency text`,
      { primaryKey: ['customer_id'] },
    ),
    /** Payments received minus refunds, per customer and currency: amounts are never added across currencies. */
    customer_summary_spend: {
      columns: { customer_id: { type: 'text' }, currency: { type: 'text' }, spend_minor: { type: 'integer' } },
      primaryKey: ['customer_id', 'currency'],
    },
    customer_summary_orders: table('order_id text, customer_id text, currency text, status text, version integer', {
      primaryKey: ['order_id'],
      indexes: { by_customer: ['customer_id'] },
    }),
  },
  documents: orderStatusDocuments('customer_summary_orders', ({ data }, stored) => ({
    order_id: data.orderId,
    customer_id: data.customerId,
    currency: data.currency,
    status: 'PENDING',
    version: stored.version,
  })),
  aggregate(before, after, stored) {
    const event = asOrderEvent(stored)!;
    const [order] = after.customer_summary_orders;
    const customer = { customer_id: order.customer_id };
    const spend = { customer_id: order.customer_id, currency: order.currency };
    if (!before) {
      const placedAt = canonicalTime((event.data as { placedAt: string }).placedAt, stored);
      return [
        { table: 'customer_summaries', key: customer, update: (row) => addOrder(row as CustomerSummaryRow | undefined, order, placedAt) },
        // Every currency ordered in has a spend, 0 until paid.
        { table: 'customer_summary_spend', key: spend, update: (row) => row ?? { ...spend, spend_minor: 0 } },
      ];
    }
    const from = before.customer_summary_orders[0].status as OrderViewStatus;
    const to = order.status as OrderViewStatus;
    if (from === to) return [];
    const updates: AggregateUpdate[] = [
      {
        table: 'customer_summaries',
        key: customer,
        update: (row) => {
          const moved = { ...(row as CustomerSummaryRow) };
          (moved[COUNT_OF[from]] as number)--;
          (moved[COUNT_OF[to]] as number)++;
          return moved;
        },
      },
    ];
    const delta = revenueMinor(event, order.currency);
    if (delta !== 0) {
      updates.push({
        table: 'customer_summary_spend',
        key: spend,
        update: (row) => ({ ...row!, spend_minor: (row!.spend_minor as number) + delta }),
      });
    }
    return updates;
  },
};

/** The summary with one more (pending) order placed at `placedAt`: the latest order's currency wins, ties to the later one. */
function addOrder(row: CustomerSummaryRow | undefined, order: CustomerOrderRow, placedAt: string): CustomerSummaryRow {
  if (!row) {
    return {
      customer_id: order.customer_id,
      order_count: 1,
      pending_count: 1,
      paid_count: 0,
      shipped_count: 0,
      cancelled_count: 0,
      first_order_at: placedAt,
      last_order_at: placedAt,
      latest_currency: order.currency,
    };
  }
  return {
    ...row,
    order_count: row.order_count + 1,
    pending_count: row.pending_count + 1,
    first_order_at: placedAt < row.first_order_at ? placedAt : row.first_order_at,
    last_order_at: placedAt > row.last_order_at ? placedAt : row.last_order_at,
    latest_currency: placedAt >= row.last_order_at ? order.currency : row.latest_currency,
  };
}
