import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent, canonicalTime, nextOrderStatus, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { ProjectionDefinition } from '../projection.js';
import { type CustomerSummaryOrderRow, type CustomerSummaryTableNames, customerSummaryTables } from './table.js';

type Status = OrderViewStatus;

/**
 * Keeps one summary row per customer (order counts by status, first and last order) and their
 * spend per currency in step with the Order streams. Announces nothing.
 */
export function customerSummaryProjection(): ProjectionDefinition<never> {
  return {
    name: 'customerSummary',
    version: 1,
    tables: customerSummaryTables,
    create: (db, tables) => customerSummaryWriter(db, tables as CustomerSummaryTableNames),
  };
}

function customerSummaryWriter(db: Database.Database, tables: CustomerSummaryTableNames) {
  const statements = prepareWrites(db, tables);
  return {
    apply(stored: StoredEvent): undefined {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const order = statements.orderById.get(orderId);
      // Idempotent: an event at or below the order's applied version has had its effect already.
      if (order && stored.version <= order.version) return undefined;

      if (event.type === 'OrderPlaced') {
        const { customerId, currency } = event.data;
        const placedAt = canonicalTime(event.data.placedAt, stored);
        statements.insertOrder.run({ orderId, customerId, currency, status: 'PENDING', version: stored.version });
        statements.addOrder.run({ customerId, placedAt, currency });
        statements.openSpend.run({ customerId, currency });
        return undefined;
      }
      // An order never placed has nothing to count (decide never lets such an event through).
      if (!order) return undefined;
      const next = nextOrderStatus(event, order.status as Status);
      statements.setOrder.run({ orderId, status: next ?? order.status, version: stored.version });
      // Like the domain's evolve, an event that does not move the order from its status changes nothing.
      if (!next) return undefined;
      statements.moveStatus.run({ customerId: order.customer_id, from: order.status, to: next });
      const spendDelta = revenueMinor(event);
      if (spendDelta !== 0) {
        statements.addSpend.run({ customerId: order.customer_id, currency: order.currency, delta: spendDelta });
      }
      return undefined;
    },
  };
}

function prepareWrites(db: Database.Database, tables: CustomerSummaryTableNames) {
  const { customer_summaries: summaries, customer_summary_spend: spend, customer_summary_orders: orders } = tables;
  const countOf = (column: string, status: Status) => `${column} = ${column} - (@from = '${status}') + (@to = '${status}')`;
  return {
    orderById: db.prepare<[string], CustomerSummaryOrderRow>(`SELECT * FROM ${orders} WHERE order_id = ?`),
    insertOrder: db.prepare(
      `INSERT INTO ${orders} (order_id, customer_id, currency, status, version)
       VALUES (@orderId, @customerId, @currency, @status, @version)`,
    ),
    setOrder: db.prepare(`UPDATE ${orders} SET status = @status, version = @version WHERE order_id = @orderId`),
    // In an UPDATE every expression sees the old row, so the CASE compares with the old last_order_at.
    addOrder: db.prepare(
      `INSERT INTO ${summaries} (customer_id, order_count, pending_count, paid_count, shipped_count, cancelled_count,
         first_order_at, last_order_at, latest_currency)
       VALUES (@customerId, 1, 1, 0, 0, 0, @placedAt, @placedAt, @currency)
       ON CONFLICT (customer_id) DO UPDATE SET
         order_count = order_count + 1,
         pending_count = pending_count + 1,
         first_order_at = min(first_order_at, excluded.first_order_at),
         last_order_at = max(last_order_at, excluded.last_order_at),
         latest_currency = CASE WHEN excluded.last_order_at >= last_order_at THEN excluded.latest_currency ELSE latest_currency END`,
    ),
    moveStatus: db.prepare(
      `UPDATE ${summaries} SET
         ${countOf('pending_count', 'PENDING')},
         ${countOf('paid_count', 'PAID')},
         ${countOf('shipped_count', 'SHIPPED')},
         ${countOf('cancelled_count', 'CANCELLED')}
       WHERE customer_id = @customerId`,
    ),
    openSpend: db.prepare(
      `INSERT INTO ${spend} (customer_id, currency, spend_minor) VALUES (@customerId, @currency, 0)
       ON CONFLICT (customer_id, currency) DO NOTHING`,
    ),
    addSpend: db.prepare(`UPDATE ${spend} SET spend_minor = spend_minor + @delta WHERE customer_id = @customerId AND currency = @currency`),
  };
}
