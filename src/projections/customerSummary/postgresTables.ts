import type { customerSummaryTables } from './table.js';

/**
 * The customer summary's tables in PostgreSQL: the same tables as table.ts (see there what each
 * holds), given each one's physical name. Times and currency codes compare and sort in byte order
 * (COLLATE "C"), as SQLite compares text, whatever the database's collation.
 */
export const postgresCustomerSummaryTables = {
  customer_summaries: (table: string) => `
    CREATE TABLE ${table} (
      customer_id     TEXT   PRIMARY KEY,
      order_count     BIGINT NOT NULL,
      pending_count   BIGINT NOT NULL,
      paid_count      BIGINT NOT NULL,
      shipped_count   BIGINT NOT NULL,
      cancelled_count BIGINT NOT NULL,
      first_order_at  TEXT   COLLATE "C" NOT NULL,
      last_order_at   TEXT   COLLATE "C" NOT NULL,
      latest_currency TEXT   NOT NULL
    );`,
  customer_summary_spend: (table: string) => `
    CREATE TABLE ${table} (
      customer_id TEXT   NOT NULL,
      currency    TEXT   COLLATE "C" NOT NULL,
      spend_minor BIGINT NOT NULL,
      PRIMARY KEY (customer_id, currency)
    );`,
  customer_summary_orders: (table: string) => `
    CREATE TABLE ${table} (
      order_id    TEXT   PRIMARY KEY,
      customer_id TEXT   NOT NULL,
      currency    TEXT   NOT NULL,
      status      TEXT   NOT NULL,
      version     BIGINT NOT NULL
    );
    CREATE INDEX ${table}_by_customer ON ${table} (customer_id);`,
} satisfies Record<keyof typeof customerSummaryTables, (physicalName: string) => string>;
