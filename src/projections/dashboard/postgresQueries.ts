import type { Queryable } from '../postgres/postgresProjection.js';
import { type DashboardDayRow, type DashboardStatusRow, dashboardFromRows, windowBounds } from './dashboardFromRows.js';
import { type DashboardTableNames, LIVE_DASHBOARD_TABLES } from './table.js';
import type { DashboardView, DashboardWindow } from './view.js';

type DashboardRows = { currencies: string[]; by_status: DashboardStatusRow[]; days: DashboardDayRow[] };

/**
 * Reads of the dashboard tables in PostgreSQL (the live ones unless told otherwise), with the
 * answers of DashboardQueries. Never touches the event log.
 */
export class PostgresDashboardQueries {
  private readonly figures: string;

  constructor(
    private readonly db: Queryable,
    tables: DashboardTableNames = LIVE_DASHBOARD_TABLES,
  ) {
    const { dashboard_orders: orders, dashboard_activity: activity } = tables;
    // One statement, so every figure is of the same commit even on a pool. As JSON, integers
    // (counts, sums) read as numbers whatever type parsers the pool has.
    // $1 currency, [$2, $3) the window in epoch milliseconds.
    this.figures = `
      SELECT
        (SELECT coalesce(json_agg(DISTINCT currency ORDER BY currency), '[]')
         FROM ${activity} WHERE at_ms >= $2 AND at_ms < $3) AS currencies,
        (SELECT coalesce(json_agg(by_status), '[]') FROM (
           SELECT status, count(*) AS count, sum(total_minor) AS amount_minor FROM ${orders}
           WHERE currency = $1 AND placed_at_ms >= $2 AND placed_at_ms < $3
           GROUP BY status) by_status) AS by_status,
        (SELECT coalesce(json_agg(by_day ORDER BY by_day.day), '[]') FROM (
           SELECT day,
             count(*) FILTER (WHERE kind = 'PLACED') AS placed, count(*) FILTER (WHERE kind = 'PAID') AS paid,
             count(*) FILTER (WHERE kind = 'SHIPPED') AS shipped, count(*) FILTER (WHERE kind = 'CANCELLED') AS cancelled,
             sum(revenue_minor) AS revenue_minor
           FROM ${activity}
           WHERE currency = $1 AND at_ms >= $2 AND at_ms < $3
           GROUP BY day) by_day) AS days`;
  }

  /** The figures of the orders in `currency` within [fromMs, toMs) of event time. */
  async getDashboard(window: DashboardWindow): Promise<DashboardView> {
    const { from, to } = windowBounds(window);
    const { rows } = await this.db.query<DashboardRows>(this.figures, [window.currency, from, to]);
    // A SELECT of scalar subqueries answers exactly one row.
    const { currencies, by_status: byStatus, days } = rows[0]!;
    return dashboardFromRows(window.currency, currencies, byStatus, days);
  }
}
