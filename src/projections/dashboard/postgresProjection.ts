import type pg from 'pg';
import type { StoredEvent } from '../../eventstore/eventStore.js';
import { asOrderEvent, nextOrderStatus, revenueMinor } from '../orderTransitions.js';
import type { OrderViewStatus } from '../orderView/view.js';
import type { PostgresProjectionDefinition } from '../postgres/postgresProjection.js';
import { activityOf } from './activity.js';
import { postgresTables } from '../postgres/postgresTables.js';
import { type DashboardOrderRow, type DashboardTableNames, dashboardTables } from './table.js';

type WriteStatements = ReturnType<typeof writeStatements>;

/**
 * The PostgreSQL twin of dashboardProjection (projection.ts): the same writes step for step, in
 * PostgreSQL's SQL. Announces nothing.
 */
export function postgresDashboardProjection(): PostgresProjectionDefinition<never> {
  return {
    name: 'dashboard',
    version: 1,
    tables: postgresTables(dashboardTables),
    create: (tables) => postgresDashboardWriter(writeStatements(tables as DashboardTableNames)),
  };
}

function postgresDashboardWriter(sql: WriteStatements) {
  return {
    async apply(client: pg.ClientBase, stored: StoredEvent): Promise<undefined> {
      const event = asOrderEvent(stored);
      if (!event) return undefined;
      const orderId = event.data.orderId;
      const {
        rows: [order],
      } = await client.query<Pick<DashboardOrderRow, 'currency' | 'status' | 'version'>>(sql.orderById, [orderId]);
      // Idempotent: an event at or below the order's applied version has had its effect already.
      if (order && stored.version <= order.version) return undefined;
      const { kind, atMs, day } = activityOf(stored, event);

      if (event.type === 'OrderPlaced') {
        const { currency, totalMinor } = event.data;
        await client.query(sql.insertOrder, [orderId, currency, totalMinor, atMs, stored.version]);
        await client.query(sql.insertActivity, [orderId, stored.version, kind, atMs, day, currency, 0]);
        return undefined;
      }
      // An order never placed has nothing to count (decide never lets such an event through).
      if (!order) return undefined;
      const next = nextOrderStatus(event, order.status as OrderViewStatus);
      await client.query(sql.setOrder, [orderId, next ?? order.status, stored.version]);
      // Like the domain's evolve, an event that does not move the order from its status changes nothing.
      if (!next) return undefined;
      await client.query(sql.insertActivity, [orderId, stored.version, kind, atMs, day, order.currency, revenueMinor(event)]);
      return undefined;
    },
  };
}

function writeStatements({ dashboard_orders: orders, dashboard_activity: activity }: DashboardTableNames) {
  return {
    // version as int4: a number whatever type parsers the engine's client has.
    orderById: `SELECT currency, status, version::integer AS version FROM ${orders} WHERE order_id = $1`,
    insertOrder: `
      INSERT INTO ${orders} (order_id, currency, status, total_minor, placed_at_ms, version)
      VALUES ($1, $2, 'PENDING', $3, $4, $5)`,
    setOrder: `UPDATE ${orders} SET status = $2, version = $3 WHERE order_id = $1`,
    // DO NOTHING: a second line of defence, (order, version) is recorded once whatever happens.
    insertActivity: `
      INSERT INTO ${activity} (order_id, version, kind, at_ms, day, currency, revenue_minor)
      VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (order_id, version) DO NOTHING`,
  };
}
