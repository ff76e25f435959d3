import type { OrderViewStatus } from '../orderView/view.js';
import { type Maybe, type ReadDb, andThen } from '../readDb.js';
import { type ReadSource, readDbOf } from '../readDbOf.js';
import type { DashboardView, DashboardWindow } from './view.js';

const STATUSES: OrderViewStatus[] = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];

/** One row of the figures: a currency in the window, a status's orders, or a day's events. */
type FigureRow = { part: 'currency' | 'day' | 'status'; label: string; a: number; b: number; c: number; d: number; e: number };

/**
 * $1 currency, [$2, $3) the window in epoch milliseconds. One statement, so every figure is of the
 * same commit even on a pool.
 */
const FIGURES = `
  SELECT 'currency' AS part, currency AS label, 0 AS a, 0 AS b, 0 AS c, 0 AS d, 0 AS e
  FROM (SELECT DISTINCT currency FROM dashboard_activity WHERE at_ms >= $2 AND at_ms < $3) currencies
  UNION ALL
  SELECT 'status', status, count(*), sum(total_minor), 0, 0, 0 FROM dashboard_orders
  WHERE currency = $1 AND placed_at_ms >= $2 AND placed_at_ms < $3
  GROUP BY status
  UNION ALL
  SELECT 'day', day,
    sum(CASE WHEN kind = 'PLACED' THEN 1 ELSE 0 END), sum(CASE WHEN kind = 'PAID' THEN 1 ELSE 0 END),
    sum(CASE WHEN kind = 'SHIPPED' THEN 1 ELSE 0 END), sum(CASE WHEN kind = 'CANCELLED' THEN 1 ELSE 0 END),
    sum(revenue_minor)
  FROM dashboard_activity
  WHERE currency = $1 AND at_ms >= $2 AND at_ms < $3
  GROUP BY day
  ORDER BY part, label`;

/** Reads of the live dashboard tables, in either database. Never touches the event log. */
export class DashboardQueries {
  private readonly db: ReadDb;

  constructor(source: ReadSource) {
    this.db = readDbOf(source);
  }

  /** The figures of the orders in `currency` within [fromMs, toMs) of event time. */
  getDashboard(window: DashboardWindow): Maybe<DashboardView> {
    // An open end is the farthest integer time.
    const bounds = [window.fromMs ?? Number.MIN_SAFE_INTEGER, window.toMs ?? Number.MAX_SAFE_INTEGER];
    return andThen(this.db.all<FigureRow>(FIGURES, [window.currency, ...bounds]), (rows) => {
      const of = (part: FigureRow['part']) => rows.filter((row) => row.part === part);
      const byStatus = STATUSES.map((status) => {
        const row = of('status').find((candidate) => candidate.label === status);
        return { status, count: row?.a ?? 0, amountMinor: row?.b ?? 0 };
      });
      const days = of('day').map((row) => ({
        date: row.label,
        ordersPlaced: row.a,
        ordersPaid: row.b,
        ordersShipped: row.c,
        ordersCancelled: row.d,
        revenueMinor: row.e,
      }));
      return {
        currency: window.currency,
        currencies: of('currency').map((row) => row.label),
        ordersPlaced: byStatus.reduce((sum, figures) => sum + figures.count, 0),
        revenueMinor: days.reduce((sum, day) => sum + day.revenueMinor, 0),
        byStatus,
        days,
      };
    });
  }
}
