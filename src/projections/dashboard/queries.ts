import type Database from 'better-sqlite3';
import { type DashboardDayRow, type DashboardStatusRow, dashboardFromRows, windowBounds } from './dashboardFromRows.js';
import { type DashboardTableNames, LIVE_DASHBOARD_TABLES } from './table.js';
import type { DashboardView, DashboardWindow } from './view.js';

type Bounds = { currency: string; from: number; to: number };

/** Reads of the dashboard tables (the live ones unless told otherwise). Never touches the event log. */
export class DashboardQueries {
  private readonly byStatus: Database.Statement<[Bounds], DashboardStatusRow>;
  private readonly byDay: Database.Statement<[Bounds], DashboardDayRow>;
  private readonly currencies: Database.Statement<[Omit<Bounds, 'currency'>], string>;

  constructor(db: Database.Database, tables: DashboardTableNames = LIVE_DASHBOARD_TABLES) {
    this.byStatus = db.prepare(
      `SELECT status, count(*) AS count, sum(total_minor) AS amount_minor FROM ${tables.dashboard_orders}
       WHERE currency = @currency AND placed_at_ms >= @from AND placed_at_ms < @to
       GROUP BY status`,
    );
    this.byDay = db.prepare(
      `SELECT day,
         sum(kind = 'PLACED') AS placed, sum(kind = 'PAID') AS paid,
         sum(kind = 'SHIPPED') AS shipped, sum(kind = 'CANCELLED') AS cancelled,
         sum(revenue_minor) AS revenue_minor
       FROM ${tables.dashboard_activity}
       WHERE currency = @currency AND at_ms >= @from AND at_ms < @to
       GROUP BY day ORDER BY day`,
    );
    this.currencies = db
      .prepare<[Omit<Bounds, 'currency'>], string>(
        `SELECT DISTINCT currency FROM ${tables.dashboard_activity} WHERE at_ms >= @from AND at_ms < @to ORDER BY currency`,
      )
      .pluck();
  }

  /** The figures of the orders in `currency` within [fromMs, toMs) of event time. */
  getDashboard(window: DashboardWindow): DashboardView {
    const bounds = windowBounds(window);
    const { currency } = window;
    return dashboardFromRows(
      currency,
      this.currencies.all(bounds),
      this.byStatus.all({ ...bounds, currency }),
      this.byDay.all({ ...bounds, currency }),
    );
  }
}
