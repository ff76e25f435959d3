/** The order view's tables, given each one's physical name (see generations.ts). */
export const orderViewTables = {
  order_views: (table: string) => `
    CREATE TABLE ${table} (
      order_id            TEXT    PRIMARY KEY,
      customer_id         TEXT    NOT NULL,
      status              TEXT    NOT NULL,
      currency            TEXT    NOT NULL,
      total_minor         INTEGER NOT NULL,
      item_count          INTEGER NOT NULL,
      payment_id          TEXT,
      payment_method      TEXT,
      tracking_number     TEXT,
      carrier             TEXT,
      estimated_delivery  TEXT,
      cancellation_reason TEXT,
      refund_minor        INTEGER,
      placed_at           TEXT    NOT NULL,
      placed_position     INTEGER NOT NULL UNIQUE,
      updated_at          TEXT    NOT NULL,
      version             INTEGER NOT NULL,
      position            INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX ${table}_by_customer ON ${table} (customer_id, placed_position);
    CREATE INDEX ${table}_by_status ON ${table} (status, placed_position);`,
  order_view_items: (table: string) => `
    CREATE TABLE ${table} (
      order_id         TEXT    NOT NULL,
      line_number      INTEGER NOT NULL,
      product_id       TEXT    NOT NULL,
      name             TEXT    NOT NULL,
      quantity         INTEGER NOT NULL,
      unit_price_minor INTEGER NOT NULL,
      line_total_minor INTEGER NOT NULL,
      PRIMARY KEY (order_id, line_number)
    ) STRICT;`,
};

export type OrderViewTableNames = Record<keyof typeof orderViewTables, string>;

/** Queries read the logical names: views onto the live generation. */
export const LIVE_ORDER_VIEW_TABLES: OrderViewTableNames = { order_views: 'order_views', order_view_items: 'order_view_items' };

export type OrderViewRow = {
  order_id: string;
  customer_id: string;
  status: string;
  currency: string;
  total_minor: number;
  item_count: number;
  payment_id: string | null;
  payment_method: string | null;
  tracking_number: string | null;
  carrier: string | null;
  estimated_delivery: string | null;
  cancellation_reason: string | null;
  refund_minor: number | null;
  placed_at: string;
  placed_position: number;
  updated_at: string;
  version: number;
  position: number;
};

export type OrderItemRow = {
  order_id: string;
  line_number: number;
  product_id: string;
  name: string;
  quantity: number;
  unit_price_minor: number;
  line_total_minor: number;
};
