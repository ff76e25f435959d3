import type { OrderViewStatus } from '../orderView/view.js';

/** The figures of one currency's orders in a time window. Amounts are integer minor units of `currency`. */
export type DashboardView = {
  currency: string;
  /** Every currency with at least one order event in the window, sorted. */
  currencies: string[];
  /** Orders placed in the window. */
  ordersPlaced: number;
  /** Payments received minus refunds paid in the window. */
  revenueMinor: number;
  /** The orders placed in the window, grouped by their current status: every status, in life order. */
  byStatus: DashboardStatusFigures[];
  /** UTC days with at least one order event in the window, oldest first. */
  days: DashboardDayView[];
};

export type DashboardStatusFigures = {
  status: OrderViewStatus;
  count: number;
  /** The sum of these orders' totals. */
  amountMinor: number;
};

export type DashboardDayView = {
  /** YYYY-MM-DD, UTC. */
  date: string;
  ordersPlaced: number;
  ordersPaid: number;
  ordersShipped: number;
  ordersCancelled: number;
  /** Payments received that day minus refunds paid that day. */
  revenueMinor: number;
};

/** A window of event time: from inclusive, to exclusive, in epoch milliseconds; open when absent. */
export type DashboardWindow = { fromMs?: number; toMs?: number; currency: string };
