import type Database from 'better-sqlite3';

export function createOrderViewTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS order_views (
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
    CREATE INDEX IF NOT EXISTS order_views_by_customer ON order_views (customer_id, placed_position);
    CREATE INDEX IF NOT EXISTS order_views_by_status ON order_views (status, placed_position);

    CREATE TABLE IF NOT EXISTS order_view_items (
      order_id         TEXT    NOT NULL REFERENCES order_views (order_id),
      line_number      INTEGER NOT NULL,
      product_id       TEXT    NOT NULL,
      name             TEXT    NOT NULL,
      quantity         INTEGER NOT NULL,
      unit_price_minor INTEGER NOT NULL,
      line_total_minor INTEGER NOT NULL,
      PRIMARY KEY (order_id, line_number)
    ) STRICT;
  `);
}

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
