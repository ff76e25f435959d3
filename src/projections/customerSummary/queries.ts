import type Database from 'better-sqlite3';
import { customerSummaryFromRows } from './summaryFromRows.js';
import { type CustomerSpendRow, type CustomerSummaryRow, type CustomerSummaryTableNames, LIVE_CUSTOMER_SUMMARY_TABLES } from './table.js';
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
    return row && customerSummaryFromRows(row, this.spendOf.all(customerId));
  }
}
