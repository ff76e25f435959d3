import type { CustomerSpendRow, CustomerSummaryRow } from './table.js';
import type { CustomerSummaryView } from './view.js';

/** The customer's summary from its row and its spend rows (sorted by currency), whichever database they come from. */
export function customerSummaryFromRows(row: CustomerSummaryRow, spend: CustomerSpendRow[]): CustomerSummaryView {
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
    spendByCurrency: spend.map((entry) => ({ amountMinor: entry.spend_minor, currency: entry.currency })),
  };
}
