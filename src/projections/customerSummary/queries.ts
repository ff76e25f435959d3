import type Database from 'better-sqlite3';
import {
  type CustomerSpendRow,
  type CustomerSummaryRow,
  type CustomerSummaryTableNames,
  LIVE_CUSTOMER_SUMMARY_TABLES,
} from './table.js';
import type { CustomerSummaryView } from './view.js';

/** Reads of the customer summary tables (the live ones unless told otherwise). Never touches the event log. */
export class CustomerSummaryQueries {
  private readonly byId: Database.Statement<[string], CustomerSummaryRow>;
  private readonly spendOf: Database.Statement<[string], CustomerSpendRow>;

  constructor(db: Database.Database, tables: CustomerSummaryTableNames = LIVE_CUSTOMER_SUMMARY_TABLES) {
    this.byId = db.prepare(`SELECT * FROM ${tables.customer_summaries} WHERE customer_id = ?`);
    this.spendOf = db.prepare(`SELECT * FROM ${tables.customer_summary_spend} WHERE customer_id = ? ORDER BY currency`);
  }

  /** The customer's summary, or undefined when the customer has placed no order. */
  getCustomerSummary(customerId: string): CustomerSummaryView | undefined {
    const row = this.byId.get(customerId);
    if (!row) return undefined;
    return {
      customerId: row.customer_id,
      orderCount: row.order_count,
      pendingCount: row.pending_count,
      paidCount: row.paid_count,
      shippedCount: row.shipped_count,
      cancelledCount: row.cancelled_count,
      openOrders: row.pending_count + row.paid_count,
      firstOrderAt: row.first_order_at,
      lastOrderAt: row.last_order_at,
      latestCurrency: row.latest_currency,
      spendByCurrency: this.spendOf.all(customerId).map((spend) => ({ amountMinor: spend.spend_minor, currency: spend.currency })),
    };
  }
}
