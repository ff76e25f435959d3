import type { TypedRecord } from '../decider.js';

export type OrderLine = {
  productId: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
};

/**
 * v3: `scale` is the number of decimals unitPriceMinor and totalMinor are written in (3 for KWD:
 * 1234 is 1.234). v2 and older kept hundredths in every currency and read as scale 2.
 * v4: `shipping`, the ShippingDetails as JSON sealed under the customer's data key (src/privacy/),
 * or null; v3 and older read as null.
 */
export type OrderPlaced = TypedRecord<
  'OrderPlaced',
  {
    orderId: string;
    customerId: string;
    items: OrderLine[];
    currency: string;
    totalMinor: number;
    scale: number;
    shipping: string | null;
    placedAt: string;
  }
>;

/** v2: `scale` as in OrderPlaced, in the order's currency; v1 read as scale 2. */
export type PaymentReceived = TypedRecord<
  'PaymentReceived',
  { orderId: string; paymentId: string; amountMinor: number; scale: number; method: string; receivedAt: string }
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

/**
 * refundMinor is what was paid: 0 for a pending order, the payment for a paid one. v2: `scale` as in
 * OrderPlaced; v1 read as scale 2.
 */
export type OrderCancelled = TypedRecord<
  'OrderCancelled',
  { orderId: string; reason: string; refundMinor: number; scale: number; cancelledAt: string }
>;

export type OrderEvent = OrderPlaced | PaymentReceived | OrderShipped | OrderCancelled;

export const orderEventTypes = [
  'OrderPlaced',
  'PaymentReceived',
  'OrderShipped',
  'OrderCancelled',
] as const satisfies readonly OrderEvent['type'][];

/**
 * The version of each event's data shape that this code writes. OrderPlaced v1 is the older system's
 * shape (see legacy/); the money events gained `scale` in OrderPlaced v3, PaymentReceived v2 and
 * OrderCancelled v2, OrderPlaced its sealed `shipping` in v4. Older versions are read through upcasters.
 */
export const orderEventSchemaVersions = {
  OrderPlaced: 4,
  PaymentReceived: 2,
  OrderShipped: 1,
  OrderCancelled: 2,
} as const satisfies Record<OrderEvent['type'], number>;
