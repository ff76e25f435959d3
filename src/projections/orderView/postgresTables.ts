import type { orderViewTables } from './table.js';

/**
 * The order view's tables in PostgreSQL, given each one's physical name: the columns and indexes of
 * table.ts, with BIGINT for its integers (positions and minor units outgrow 32 bits). `satisfies`
 * holds them to the same logical tables as the SQLite twin.
 */
export const postgresOrderViewTables = {
  order_views: (table: string) => `
    CREATE TABLE ${table} (
      order_id            TEXT   PRIMARY KEY,
      customer_id         TEXT   NOT NULL,
      status              TEXT   NOT NULL,
      currency            TEXT   NOT NULL,
      total_minor         BIGINT NOT NULL,
      item_count          BIGINT NOT NULL,
      payment_id          TEXT,
      payment_method      TEXT,
      tracking_number     TEXT,
      carrier             TEXT,
      estimated_delivery  TEXT,
      cancellation_reason TEXT,
      refund_minor        BIGINT,
      placed_at           TEXT   NOT NULL,
      placed_position     BIGINT NOT NULL UNIQUE,
      updated_at          TEXT   NOT NULL,
      version             BIGINT NOT NULL,
      position            BIGINT NOT NULL
    );
    CREATE INDEX ${table}_by_customer ON ${table} (customer_id, placed_position);
    CREATE INDEX ${table}_by_status ON ${table} (status, placed_position);`,
  order_view_items: (table: string) => `
    CREATE TABLE ${table} (
      order_id         TEXT   NOT NULL,
      line_number      BIGINT NOT NULL,
      product_id       TEXT   NOT NULL,
      name             TEXT   NOT NULL,
      quantity         BIGINT NOT NULL,
      unit_price_minor BIGINT NOT NULL,
      line_total_minor BIGINT NOT NULL,
      PRIMARY KEY (order_id, line_number)
    );`,
} satisfies Record<keyof typeof orderViewTables, (physicalName: string) => string>;
