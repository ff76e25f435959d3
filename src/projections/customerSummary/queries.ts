import { type Maybe, type ReadDb, andThen } from '../readDb.js';
import { type ReadSource, readDbOf } from '../readDbOf.js';
import type { CustomerSummaryRow } from './readModel.js';
import type { CustomerSummaryView } from './view.js';

type SummaryWithSpend = CustomerSummaryRow & { currency: string; spend_minor: number };

/** Reads of the live customer summary tables, in either database. Never touches the event log. */
export class CustomerSummaryQueries {
  private readonly db: ReadDb;

  constructor(source: ReadSource) {
    this.db = readDbOf(source);
  }

  /**
   * The customer's summary, or undefined when the customer has placed no order. One statement (a
   * row per currency), so the counts and the spend are of the same commit even on a pool.
   */
  getCustomerSummary(customerId: string): Maybe<CustomerSummaryView | undefined> {
    const rows = this.db.all<SummaryWithSpend>(
      `SELECT summary.*, spend.currency, spend.spend_minor
       FROM customer_summaries summary JOIN customer_summary_spend spend ON spend.customer_id = summary.customer_id
       WHERE summary.customer_id = $1 ORDER BY spend.currency`,
      [customerId],
    );
    return andThen(rows, ([row, ...others]) => {
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
        spendByCurrency: [row, ...others].map((entry) => ({ amountMinor: entry.spend_minor, currency: entry.currency })),
      };
    });
  }
}
