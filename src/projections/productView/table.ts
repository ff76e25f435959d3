/** The product view's table, given its physical name (see generations.ts). */
export const productViewTables = {
  /**
   * One row per product; `available` is derived, so it can never disagree with on hand and reserved.
   * The catalog price is both columns or neither (a product without a price).
   */
  product_views: (table: string) => `
    CREATE TABLE ${table} (
      product_id     TEXT    PRIMARY KEY,
      name           TEXT    NOT NULL,
      price_minor    INTEGER,
      price_currency TEXT,
      on_hand        INTEGER NOT NULL,
      reserved       INTEGER NOT NULL,
      available      INTEGER NOT NULL GENERATED ALWAYS AS (on_hand - reserved) STORED,
      version        INTEGER NOT NULL,
      position       INTEGER NOT NULL,
      updated_at     TEXT    NOT NULL,
      CHECK ((price_minor IS NULL) = (price_currency IS NULL))
    ) STRICT;`,
};

export type ProductViewTableNames = Record<keyof typeof productViewTables, string>;

/** Queries read the logical names: views onto the live generation. */
export const LIVE_PRODUCT_VIEW_TABLES: ProductViewTableNames = { product_views: 'product_views' };

export type ProductViewRow = {
  product_id: string;
  name: string;
  price_minor: number | null;
  price_currency: string | null;
  on_hand: number;
  reserved: number;
  available: number;
  version: number;
  position: number;
  updated_at: string;
};
