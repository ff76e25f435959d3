import type { TypedRecord } from '../decider.js';

export type OrderLine = {
  productId: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
};

export type OrderPlaced = TypedRecord<
  'OrderPlaced',
  {
    orderId: string;
    customerId: string;
    items: OrderLine[];
    currency: string;
    totalMinor: number;
    placedAt: string;
  }
>;

export type PaymentReceived = TypedRecord<
  'PaymentReceived',
  { orderId: string; paymentId: string; amountMinor: number; method: string; receivedAt: string }
>;

export type OrderShipped = TypedRecord<
  'OrderShipped',
  {
    orderId: string;
    trackingNumber: string;
    carrier: string;
    estimatedDelivery: string | null;
    shippedAt: string;
  }
>;

/** The reason of an OrderCancelled that ExpireOrder records: the order was not paid in time. */
export const PAYMENT_NOT_RECEIVED = 'payment not received';

/** refundMinor is what was paid: 0 for a pending order, the payment for a paid one. */
export type OrderCancelled = TypedRecord<'OrderCancelled', { orderId: string; reason: string; refundMinor: number; cancelledAt: string }>;

export type OrderEvent = OrderPlaced | PaymentReceived | OrderShipped | OrderCancelled;

export const orderEventTypes = [
  'OrderPlaced',
  'PaymentReceived',
  'OrderShipped',
  'OrderCancelled',
] as const satisfies readonly OrderEvent['type'][];

/**
 * The version of each event's data shape that this code writes. OrderPlaced is at 2: version 1 is
 * the older system's shape (see legacy/), read through an upcaster.
 */
export const orderEventSchemaVersions = {
  OrderPlaced: 2,
  PaymentReceived: 1,
  OrderShipped: 1,
  OrderCancelled: 1,
} as const satisfies Record<OrderEvent['type'], number>;
