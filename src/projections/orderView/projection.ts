import type Database from 'better-sqlite3';
import { asOrderEvent } from '../orderTransitions.js';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import type { ProjectionDefinition } from '../projection.js';
import { itemCountOf, orderLineRows } from './orderLines.js';
import { OrderViewQueries } from './queries.js';
import { type OrderViewTableNames, orderViewTables } from './table.js';
import type { OrderViewChange } from './view.js';

/**
 * Keeps order_views and order_view_items in step with the Order streams. When announcing, each
 * applied event yields the order's view as of that event, for subscriptions.
 */
export function orderViewProjection(
  onCommitted: (changes: OrderViewChange[]) => void = () => undefined,
): ProjectionDefinition<OrderViewChange> {
  return {
    name: 'orderView',
    version: 1,
    tables: orderViewTables,
    onCommitted,
    create: (db, tables, { announce }) => orderViewWriter(db, tables as OrderViewTableNames, announce),
  };
}

function orderViewWriter(db: Database.Database, tables: OrderViewTableNames, announce: boolean) {
  const queries = new OrderViewQueries(db, tables);
  const statements = prepareWrites(db, tables);
  return {
    apply(stored: StoredEvent): OrderViewChange | undefined {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const currentVersion = statements.versionOf.get(orderId);
      // Idempotent: an event at or below the row's version was applied already, most often by another
      // server process on the same file. That one told its own subscribers; tell ours too while the
      // row still shows exactly this event (of several it applied meanwhile, only the last).
      if (currentVersion !== undefined && stored.version <= currentVersion) {
        return announce && stored.version === currentVersion ? changeOf(orderId) : undefined;
      }
      const touched = { version: stored.version, position: stored.position, updatedAt: stored.metadata.occurredAt, orderId };

      switch (event.type) {
        case 'OrderPlaced': {
          const { customerId, currency, totalMinor, items, placedAt } = event.data;
          statements.insertOrder.run({ ...touched, customerId, currency, totalMinor, itemCount: itemCountOf(items), placedAt });
          for (const line of orderLineRows(items)) statements.insertItem.run({ orderId, ...line });
          break;
        }
        case 'PaymentReceived':
          statements.markPaid.run({ ...touched, paymentId: event.data.paymentId, method: event.data.method });
          break;
        case 'OrderShipped': {
          const { trackingNumber, carrier, estimatedDelivery } = event.data;
          statements.markShipped.run({ ...touched, trackingNumber, carrier, estimatedDelivery });
          break;
        }
        case 'OrderCancelled':
          statements.markCancelled.run({ ...touched, reason: event.data.reason, refundMinor: event.data.refundMinor });
          break;
        default: {
          const _exhaustive: never = event;
          return undefined;
        }
      }
      return announce ? changeOf(orderId) : undefined;
    },
  };

  function changeOf(orderId: string): OrderViewChange | undefined {
    const view = queries.getOrderView(orderId);
    return view && { view };
  }
}

function prepareWrites(db: Database.Database, { order_views, order_view_items }: OrderViewTableNames) {
  const touch = 'version = @version, position = @position, updated_at = @updatedAt';
  return {
    versionOf: db.prepare<[string], number>(`SELECT version FROM ${order_views} WHERE order_id = ?`).pluck(),
    insertOrder: db.prepare(
      `INSERT INTO ${order_views} (order_id, customer_id, status, currency, total_minor, item_count, placed_at,
         placed_position, updated_at, version, position)
       VALUES (@orderId, @customerId, 'PENDING', @currency, @totalMinor, @itemCount, @placedAt,
         @position, @updatedAt, @version, @position)`,
    ),
    insertItem: db.prepare(
      `INSERT INTO ${order_view_items} (order_id, line_number, product_id, name, quantity, unit_price_minor, line_total_minor)
       VALUES (@orderId, @lineNumber, @productId, @name, @quantity, @unitPriceMinor, @lineTotalMinor)`,
    ),
    markPaid: db.prepare(
      `UPDATE ${order_views} SET status = 'PAID', payment_id = @paymentId, payment_method = @method, ${touch}
       WHERE order_id = @orderId`,
    ),
    markShipped: db.prepare(
      `UPDATE ${order_views} SET status = 'SHIPPED', tracking_number = @trackingNumber, carrier = @carrier,
         estimated_delivery = @estimatedDelivery, ${touch}
       WHERE order_id = @orderId`,
    ),
    markCancelled: db.prepare(
      `UPDATE ${order_views} SET status = 'CANCELLED', cancellation_reason = @reason, refund_minor = @refundMinor, ${touch}
       WHERE order_id = @orderId`,
    ),
  };
}
