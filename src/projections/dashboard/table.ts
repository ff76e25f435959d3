/** The dashboard's tables, given each one's physical name (see generations.ts). */
export const dashboardTables = {
  /**
   * One row per order: its currency, current status and total, for the by-status figures, and the
   * applied-version guard (an event at or below `version` was applied already).
   */
  dashboard_orders: (table: string) => `
    CREATE TABLE ${table} (
      order_id     TEXT    PRIMARY KEY,
      currency     TEXT    NOT NULL,
      status       TEXT    NOT NULL,
      total_minor  INTEGER NOT NULL,
      placed_at_ms INTEGER NOT NULL,
      version      INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX ${table}_by_placed ON ${table} (currency, placed_at_ms);`,
  /**
   * One row per order event that moved an order, at its event time, so that any [from, to) window
   * sums exactly. revenue_minor: + the payment, − the refund of a cancellation, 0 otherwise.
   */
  dashboard_activity: (table: string) => `
    CREATE TABLE ${table} (
      order_id      TEXT    NOT NULL,
      version       INTEGER NOT NULL,
      kind          TEXT    NOT NULL CHECK (kind IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')),
      currency      TEXT    NOT NULL,
      at_ms         INTEGER NOT NULL,
      day           TEXT    NOT NULL,
      revenue_minor INTEGER NOT NULL,
      PRIMARY KEY (order_id, version)
    ) STRICT;
    CREATE INDEX ${table}_by_currency_time ON ${table} (currency, at_ms);
    CREATE INDEX ${table}_by_time ON ${table} (at_ms);`,
};

export type DashboardTableNames = Record<keyof typeof dashboardTables, string>;

/** Queries read the logical names: views onto the live generation. */
export const LIVE_DASHBOARD_TABLES: DashboardTableNames = {
  dashboard_orders: 'dashboard_orders',
  dashboard_activity: 'dashboard_activity',
};

export type DashboardOrderRow = {
  order_id: string;
  currency: string;
  status: string;
  total_minor: number;
  placed_at_ms: number;
  version: number;
};

export type ActivityKind = 'PLACED' | 'PAID' | 'SHIPPED' | 'CANCELLED';
