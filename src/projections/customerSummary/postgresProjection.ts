import type pg from 'pg';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent, canonicalTime, nextOrderStatus, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { PostgresProjectionDefinition } from '../postgres/postgresProjection.js';
import { postgresTables } from '../postgres/postgresTables.js';
import { type CustomerSummaryOrderRow, type CustomerSummaryTableNames, customerSummaryTables } from './table.js';

type Status = OrderViewStatus;
type WriteStatements = ReturnType<typeof writeStatements>;

/**
 * The PostgreSQL twin of customerSummaryProjection (projection.ts): the same writes step for step,
 * in PostgreSQL's SQL. Announces nothing.
 */
export function postgresCustomerSummaryProjection(): PostgresProjectionDefinition<never> {
  return {
    name: 'customerSummary',
    version: 1,
    tables: postgresTables(customerSummaryTables),
    create: (tables) => postgresCustomerSummaryWriter(writeStatements(tables as CustomerSummaryTableNames)),
  };
}

function postgresCustomerSummaryWriter(sql: WriteStatements) {
  return {
    async apply(client: pg.ClientBase, stored: StoredEvent): Promise<undefined> {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const {
        rows: [order],
      } = await client.query<CustomerSummaryOrderRow>(sql.orderById, [orderId]);
      // Idempotent: an event at or below the order's applied version has had its effect already.
      if (order && stored.version <= order.version) return undefined;

      if (event.type === 'OrderPlaced') {
        const { customerId, currency } = event.data;
        const placedAt = canonicalTime(event.data.placedAt, stored);
        await client.query(sql.insertOrder, [orderId, customerId, currency, 'PENDING', stored.version]);
        await client.query(sql.addOrder, [customerId, placedAt, currency]);
        await client.query(sql.openSpend, [customerId, currency]);
        return undefined;
      }
      // An order never placed has nothing to count (decide never lets such an event through).
      if (!order) return undefined;
      const next = nextOrderStatus(event, order.status as Status);
      await client.query(sql.setOrder, [orderId, next ?? order.status, stored.version]);
      // Like the domain's evolve, an event that does not move the order from its status changes nothing.
      if (!next) return undefined;
      await client.query(sql.moveStatus, [order.customer_id, order.status, next]);
      const spendDelta = revenueMinor(event);
      if (spendDelta !== 0) await client.query(sql.addSpend, [order.customer_id, order.currency, spendDelta]);
      return undefined;
    },
  };
}

function writeStatements({
  customer_summaries: summaries,
  customer_summary_spend: spend,
  customer_summary_orders: orders,
}: CustomerSummaryTableNames) {
  // $2 is the status moved from, $3 the one moved to: a boolean counts as 0 or 1 only once cast.
  const countOf = (column: string, status: Status) =>
    `${column} = ${column} - ($2::text = '${status}')::int + ($3::text = '${status}')::int`;
  return {
    // version as int4: a number whatever type parsers the engine's client has.
    orderById: `SELECT order_id, customer_id, currency, status, version::integer AS version FROM ${orders} WHERE order_id = $1`,
    insertOrder: `INSERT INTO ${orders} (order_id, customer_id, currency, status, version) VALUES ($1, $2, $3, $4, $5)`,
    setOrder: `UPDATE ${orders} SET status = $2, version = $3 WHERE order_id = $1`,
    // `summary` is the old row (an unqualified column would be ambiguous with `excluded`); every
    // expression of the SET sees the old row, so the CASE compares with the old last_order_at.
    addOrder: `
      INSERT INTO ${summaries} AS summary (customer_id, order_count, pending_count, paid_count, shipped_count,
        cancelled_count, first_order_at, last_order_at, latest_currency)
      VALUES ($1, 1, 1, 0, 0, 0, $2, $2, $3)
      ON CONFLICT (customer_id) DO UPDATE SET
        order_count = summary.order_count + 1,
        pending_count = summary.pending_count + 1,
        first_order_at = LEAST(summary.first_order_at, excluded.first_order_at),
        last_order_at = GREATEST(summary.last_order_at, excluded.last_order_at),
        latest_currency = CASE WHEN excluded.last_order_at >= summary.last_order_at
          THEN excluded.latest_currency ELSE summary.latest_currency END`,
    moveStatus: `
      UPDATE ${summaries} SET
        ${countOf('pending_count', 'PENDING')},
        ${countOf('paid_count', 'PAID')},
        ${countOf('shipped_count', 'SHIPPED')},
        ${countOf('cancelled_count', 'CANCELLED')}
      WHERE customer_id = $1`,
    openSpend: `
      INSERT INTO ${spend} (customer_id, currency, spend_minor) VALUES ($1, $2, 0)
      ON CONFLICT (customer_id, currency) DO NOTHING`,
    addSpend: `UPDATE ${spend} SET spend_minor = spend_minor + $3 WHERE customer_id = $1 AND currency = $2`,
  };
}
