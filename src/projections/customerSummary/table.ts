/** The customer summary's tables, given each one's physical name (see generations.ts). */
export const customerSummaryTables = {
  /** One row per customer with at least one order: counts by current status, first and last order. */
  customer_summaries: (table: string) => `
    CREATE TABLE ${table} (
      customer_id     TEXT    PRIMARY KEY,
      order_count     INTEGER NOT NULL,
      pending_count   INTEGER NOT NULL,
      paid_count      INTEGER NOT NULL,
      shipped_count   INTEGER NOT NULL,
      cancelled_count INTEGER NOT NULL,
      first_order_at  TEXT    NOT NULL,
      last_order_at   TEXT    NOT NULL,
      latest_currency TEXT    NOT NULL
    ) STRICT;`,
  /** Payments received minus refunds, per customer and currency: amounts are never added across currencies. */
  customer_summary_spend: (table: string) => `
    CREATE TABLE ${table} (
      customer_id TEXT    NOT NULL,
      currency    TEXT    NOT NULL,
      spend_minor INTEGER NOT NULL,
      PRIMARY KEY (customer_id, currency)
    ) STRICT;`,
  /**
   * What later events of an order need (PaymentReceived names no customer) and the applied-version
   * guard: an event at or below `version` was applied already.
   */
  customer_summary_orders: (table: string) => `
    CREATE TABLE ${table} (
      order_id    TEXT    PRIMARY KEY,
      customer_id TEXT    NOT NULL,
      currency    TEXT    NOT NULL,
      status      TEXT    NOT NULL,
      version     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX ${table}_by_customer ON ${table} (customer_id);`,
};

export type CustomerSummaryTableNames = Record<keyof typeof customerSummaryTables, string>;

/** Queries read the logical names: views onto the live generation. */
export const LIVE_CUSTOMER_SUMMARY_TABLES: CustomerSummaryTableNames = {
  customer_summaries: 'customer_summaries',
  customer_summary_spend: 'customer_summary_spend',
  customer_summary_orders: 'customer_summary_orders',
};

export type CustomerSummaryRow = {
  customer_id: string;
  order_count: number;
  pending_count: number;
  paid_count: number;
  shipped_count: number;
  cancelled_count: number;
  first_order_at: string;
  last_order_at: string;
  latest_currency: string;
};

export type CustomerSpendRow = { customer_id: string; currency: string; spend_minor: number };

export type CustomerSummaryOrderRow = {
  order_id: string;
  customer_id: string;
  currency: string;
  status: string;
  version: number;
};
