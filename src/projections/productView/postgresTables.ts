import type { productViewTables } from './table.js';

/**
 * The product view's table in PostgreSQL, given its physical name: the columns of table.ts, with
 * BIGINT for its integers. `satisfies` holds it to the same logical tables as the SQLite twin.
 */
export const postgresProductViewTables = {
  /**
   * Products are listed and paged by id; the "C" collation compares bytes as SQLite does, so both
   * list them in the same order whatever the database's default collation.
   */
  product_views: (table: string) => `
    CREATE TABLE ${table} (
      product_id TEXT COLLATE "C" PRIMARY KEY,
      name       TEXT   NOT NULL,
      on_hand    BIGINT NOT NULL,
      reserved   BIGINT NOT NULL,
      available  BIGINT NOT NULL GENERATED ALWAYS AS (on_hand - reserved) STORED,
      version    BIGINT NOT NULL,
      position   BIGINT NOT NULL,
      updated_at TEXT   NOT NULL
    );`,
} satisfies Record<keyof typeof productViewTables, (physicalName: string) => string>;
