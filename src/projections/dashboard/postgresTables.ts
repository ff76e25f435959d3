import type { dashboardTables } from './table.js';

/**
 * The dashboard's tables in PostgreSQL: the same tables as table.ts (see there what each holds),
 * given each one's physical name. Days and currency codes sort in byte order (COLLATE "C"), as
 * SQLite sorts text, whatever the database's collation.
 */
export const postgresDashboardTables = {
  dashboard_orders: (table: string) => `
    CREATE TABLE ${table} (
      order_id     TEXT   PRIMARY KEY,
      currency     TEXT   NOT NULL,
      status       TEXT   NOT NULL,
      total_minor  BIGINT NOT NULL,
      placed_at_ms BIGINT NOT NULL,
      version      BIGINT NOT NULL
    );
    CREATE INDEX ${table}_by_placed ON ${table} (currency, placed_at_ms);`,
  dashboard_activity: (table: string) => `
    CREATE TABLE ${table} (
      order_id      TEXT   NOT NULL,
      version       BIGINT NOT NULL,
      kind          TEXT   NOT NULL CHECK (kind IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')),
      currency      TEXT   COLLATE "C" NOT NULL,
      at_ms         BIGINT NOT NULL,
      day           TEXT   COLLATE "C" NOT NULL,
      revenue_minor BIGINT NOT NULL,
      PRIMARY KEY (order_id, version)
    );
    CREATE INDEX ${table}_by_currency_time ON ${table} (currency, at_ms);
    CREATE INDEX ${table}_by_time ON ${table} (at_ms);`,
} satisfies Record<keyof typeof dashboardTables, (physicalName: string) => string>;
