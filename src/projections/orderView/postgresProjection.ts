import type pg from 'pg';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent } from '../orderTransitions.js';
import type { PostgresProjectionDefinition, PostgresProjectionWriter } from '../postgres/postgresProjection.js';
import { itemCountOf, orderLineRows } from './orderLines.js';
import { PostgresOrderViewQueries } from './postgresQueries.js';
import { postgresTables } from '../postgres/postgresTables.js';
import { type OrderViewTableNames, orderViewTables } from './table.js';
import type { OrderViewChange } from './view.js';

/**
 * The PostgreSQL twin of orderViewProjection: the same rows from the same events. When announcing,
 * each applied event yields the order's view as of that event, read inside the engine's transaction.
 */
export function postgresOrderViewProjection(): PostgresProjectionDefinition<OrderViewChange> {
  return {
    name: 'orderView',
    version: 1,
    tables: postgresTables(orderViewTables),
    create: (tables, { announce }) => postgresOrderViewWriter(tables as OrderViewTableNames, announce),
  };
}

function postgresOrderViewWriter(tables: OrderViewTableNames, announce: boolean): PostgresProjectionWriter<OrderViewChange> {
  const sql = writeStatements(tables);
  return {
    async apply(client: pg.ClientBase, stored: StoredEvent): Promise<OrderViewChange | undefined> {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const { rows } = await client.query<{ version: number }>(sql.versionOf, [orderId]);
      const currentVersion = rows[0]?.version;
      // Idempotent, as the engine requires: an event at or below the row's version was applied
      // already. Announce it again while the row still shows exactly this event (of several applied
      // meanwhile, only the last), as the SQLite writer does.
      if (currentVersion !== undefined && stored.version <= currentVersion) {
        return announce && stored.version === currentVersion ? changeOf(client, orderId) : undefined;
      }
      // $1–$4 of every write: which order, and the event that touched it last.
      const touched = [orderId, stored.version, stored.position, stored.metadata.occurredAt];

      switch (event.type) {
        case 'OrderPlaced': {
          const { customerId, currency, totalMinor, items, placedAt } = event.data;
          const lines = orderLineRows(items);
          await client.query(sql.placeOrder, [
            ...touched,
            customerId,
            currency,
            totalMinor,
            itemCountOf(items),
            placedAt,
            lines.map((line) => line.lineNumber),
            lines.map((line) => line.productId),
            lines.map((line) => line.name),
            lines.map((line) => line.quantity),
            lines.map((line) => line.unitPriceMinor),
            lines.map((line) => line.lineTotalMinor),
          ]);
          break;
        }
        case 'PaymentReceived':
          await client.query(sql.markPaid, [...touched, event.data.paymentId, event.data.method]);
          break;
        case 'OrderShipped': {
          const { trackingNumber, carrier, estimatedDelivery } = event.data;
          await client.query(sql.markShipped, [...touched, trackingNumber, carrier, estimatedDelivery]);
          break;
        }
        case 'OrderCancelled':
          await client.query(sql.markCancelled, [...touched, event.data.reason, event.data.refundMinor]);
          break;
        default: {
          const _exhaustive: never = event;
          return undefined;
        }
      }
      return announce ? changeOf(client, orderId) : undefined;
    },
  };

  async function changeOf(client: pg.ClientBase, orderId: string): Promise<OrderViewChange | undefined> {
    const view = await new PostgresOrderViewQueries(client, tables).getOrderView(orderId);
    return view && { view };
  }
}

/** $1 order id, $2 version, $3 position, $4 updated at; then each write's own values. */
function writeStatements({ order_views, order_view_items }: OrderViewTableNames) {
  const touch = 'version = $2, position = $3, updated_at = $4';
  return {
    versionOf: `SELECT version FROM ${order_views} WHERE order_id = $1`,
    // The order and its lines in one statement: one round trip per placed order.
    placeOrder: `
      WITH placed AS (
        INSERT INTO ${order_views} (order_id, customer_id, status, currency, total_minor, item_count, placed_at,
          placed_position, updated_at, version, position)
        VALUES ($1, $5, 'PENDING', $6, $7, $8, $9, $3, $4, $2, $3)
      )
      INSERT INTO ${order_view_items} (order_id, line_number, product_id, name, quantity, unit_price_minor, line_total_minor)
      SELECT $1, line.*
      FROM unnest($10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::bigint[], $15::bigint[]) AS line`,
    markPaid: `UPDATE ${order_views} SET status = 'PAID', payment_id = $5, payment_method = $6, ${touch} WHERE order_id = $1`,
    markShipped: `
      UPDATE ${order_views} SET status = 'SHIPPED', tracking_number = $5, carrier = $6, estimated_delivery = $7, ${touch}
      WHERE order_id = $1`,
    markCancelled: `
      UPDATE ${order_views} SET status = 'CANCELLED', cancellation_reason = $5, refund_minor = $6, ${touch}
      WHERE order_id = $1`,
  };
}
