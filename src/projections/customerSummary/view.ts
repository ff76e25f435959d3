import type { Money } from '../../domain/money.js';

/** One customer's orders summed up, as the read side serves it. Amounts are integer minor units. */
export type CustomerSummaryView = {
  customerId: string;
  orderCount: number;
  pendingCount: number;
  paidCount: number;
  shippedCount: number;
  cancelledCount: number;
  /** Pending or paid: not shipped and not cancelled yet. */
  openOrders: number;
  /** placedAt of the customer's earliest order. */
  firstOrderAt: string;
  /** placedAt of the customer's latest order. */
  lastOrderAt: string;
  /** The currency of the customer's latest order. */
  latestCurrency: string;
  /**
   * Payments received minus refunds of cancelled paid orders, one entry per currency the customer
   * has ordered in (0 when nothing is paid in it), sorted by currency code. Never added across currencies.
   */
  spendByCurrency: Money[];
};
