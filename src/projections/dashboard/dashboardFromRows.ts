import type { OrderViewStatus } from '../orderView/view.js';
import type { DashboardDayView, DashboardView, DashboardWindow } from './view.js';

const STATUSES: OrderViewStatus[] = ['PENDING', 'PAID', 'SHIPPED', 'CANCELLED'];

/** The window's orders of one status: how many and the sum of their totals. */
export type DashboardStatusRow = { status: string; count: number; amount_minor: number };

/** One UTC day's order events of the window. */
export type DashboardDayRow = {
  day: string;
  placed: number;
  paid: number;
  shipped: number;
  cancelled: number;
  revenue_minor: number;
};

/** The window as bounds a query can compare with: an open end is the farthest integer time. */
export function windowBounds({ fromMs, toMs }: DashboardWindow): { from: number; to: number } {
  return { from: fromMs ?? Number.MIN_SAFE_INTEGER, to: toMs ?? Number.MAX_SAFE_INTEGER };
}

/** The dashboard from its query rows (days oldest first), whichever database they come from. */
export function dashboardFromRows(
  currency: string,
  currencies: string[],
  statusRows: DashboardStatusRow[],
  dayRows: DashboardDayRow[],
): DashboardView {
  const byStatus = STATUSES.map((status) => {
    const row = statusRows.find((candidate) => candidate.status === status);
    return { status, count: row?.count ?? 0, amountMinor: row?.amount_minor ?? 0 };
  });
  const days: DashboardDayView[] = dayRows.map((row) => ({
    date: row.day,
    ordersPlaced: row.placed,
    ordersPaid: row.paid,
    ordersShipped: row.shipped,
    ordersCancelled: row.cancelled,
    revenueMinor: row.revenue_minor,
  }));
  return {
    currency,
    currencies,
    ordersPlaced: byStatus.reduce((sum, figures) => sum + figures.count, 0),
    revenueMinor: days.reduce((sum, day) => sum + day.revenueMinor, 0),
    byStatus,
    days,
  };
}
