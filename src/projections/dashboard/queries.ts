import type Database from 'better-sqlite3';
import type { OrderViewStatus } from '../orderView/view.js';
import { type DashboardTableNames, LIVE_DASHBOARD_TABLES } from './table.js';
import type { DashboardDayView, DashboardView, DashboardWindow } from './view.js';

const STATUSES: OrderViewStatus[] = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];

type Bounds = { currency: string; from: number; to: number };
type StatusRow = { status: string; count: number; amount_minor: number };
type DayRow = {
  day: string;
  placed: number;
  paid: number;
  shipped: number;
  cancelled: number;
  revenue_minor: number;
};

/** Reads of the dashboard tables (the live ones unless told otherwise). Never touches the event log. */
export class DashboardQueries {
  private readonly byStatus: Database.Statement<[Bounds], StatusRow>;
  private readonly byDay: Database.Statement<[Bounds], DayRow>;
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
  getDashboard({ fromMs, toMs, currency }: DashboardWindow): DashboardView {
    const bounds = { from: fromMs ?? Number.MIN_SAFE_INTEGER, to: toMs ?? Number.MAX_SAFE_INTEGER };
    const statusRows = this.byStatus.all({ ...bounds, currency });
    const byStatus = STATUSES.map((status) => {
      const row = statusRows.find((candidate) => candidate.status === status);
      return { status, count: row?.count ?? 0, amountMinor: row?.amount_minor ?? 0 };
    });
    const days: DashboardDayView[] = this.byDay.all({ ...bounds, currency }).map((row) => ({
      date: row.day,
      ordersPlaced: row.placed,
      ordersPaid: row.paid,
      ordersShipped: row.shipped,
      ordersCancelled: row.cancelled,
      revenueMinor: row.revenue_minor,
    }));
    return {
      currency,
      currencies: this.currencies.all(bounds),
      ordersPlaced: byStatus.reduce((sum, figures) => sum + figures.count, 0),
      revenueMinor: days.reduce((sum, day) => sum + day.revenueMinor, 0),
      byStatus,
      days,
    };
  }
}
