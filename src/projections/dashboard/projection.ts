import type Database from 'better-sqlite3';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent, nextOrderStatus, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { ProjectionDefinition } from '../projection.js';
import { activityOf } from './activity.js';
import { type DashboardOrderRow, type DashboardTableNames, dashboardTables } from './table.js';

/**
 * Keeps the dashboard's tables in step with the Order streams: each order's current status and
 * total, and one activity row per event at its event time (the event's occurredAt). Announces nothing.
 */
export function dashboardProjection(): ProjectionDefinition<never> {
  return {
    name: 'dashboard',
    version: 1,
    tables: dashboardTables,
    create: (db, tables) => dashboardWriter(db, tables as DashboardTableNames),
  };
}

function dashboardWriter(db: Database.Database, tables: DashboardTableNames) {
  const statements = prepareWrites(db, tables);
  return {
    apply(stored: StoredEvent): undefined {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const order = statements.orderById.get(orderId);
      // Idempotent: an event at or below the order's applied version has had its effect already.
      if (order && stored.version <= order.version) return undefined;
      const activity = activityOf(stored, event);

      if (event.type === 'OrderPlaced') {
        const { currency, totalMinor } = event.data;
        statements.insertOrder.run({ orderId, currency, totalMinor, placedAtMs: activity.atMs, version: stored.version });
        statements.insertActivity.run({ ...activity, currency, revenueMinor: 0 });
        return undefined;
      }
      // An order never placed has nothing to count (decide never lets such an event through).
      if (!order) return undefined;
      const next = nextOrderStatus(event, order.status as OrderViewStatus);
      statements.setOrder.run({ orderId, status: next ?? order.status, version: stored.version });
      // Like the domain's evolve, an event that does not move the order from its status changes nothing.
      if (!next) return undefined;
      statements.insertActivity.run({ ...activity, currency: order.currency, revenueMinor: revenueMinor(event) });
      return undefined;
    },
  };
}

function prepareWrites(db: Database.Database, { dashboard_orders: orders, dashboard_activity: activity }: DashboardTableNames) {
  return {
    orderById: db.prepare<[string], DashboardOrderRow>(`SELECT * FROM ${orders} WHERE order_id = ?`),
    insertOrder: db.prepare(
      `INSERT INTO ${orders} (order_id, currency, status, total_minor, placed_at_ms, version)
       VALUES (@orderId, @currency, 'PENDING', @totalMinor, @placedAtMs, @version)`,
    ),
    setOrder: db.prepare(`UPDATE ${orders} SET status = @status, version = @version WHERE order_id = @orderId`),
    // OR IGNORE: a second line of defence, (order, version) is recorded once whatever happens.
    insertActivity: db.prepare(
      `INSERT OR IGNORE INTO ${activity} (order_id, version, kind, currency, at_ms, day, revenue_minor)
       VALUES (@orderId, @version, @kind, @currency, @atMs, @day, @revenueMinor)`,
    ),
  };
}
