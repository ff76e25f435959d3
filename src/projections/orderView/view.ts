/** One order as the read side serves it. Amounts are integer minor units of `currency`. */
export type OrderView = {
  id: string;
  customerId: string;
  status: OrderViewStatus;
  currency: string;
  totalMinor: number;
  items: OrderItemView[];
  /** Sum of the items' quantities. */
  itemCount: number;
  paymentId: string | null;
  paymentMethod: string | null;
  trackingNumber: string | null;
  carrier: string | null;
  estimatedDelivery: string | null;
  cancellationReason: string | null;
  refundMinor: number | null;
  /** ShippingDetails as JSON sealed under the customer's data key, or null: opened only when answered. */
  sealedShipping: string | null;
  placedAt: string;
  updatedAt: string;
  /** The stream version of the last event applied. */
  version: number;
  /** The global position of the last event applied. */
  position: number;
};

export type OrderViewStatus = 'PENDING' | 'PAID' | 'SHIPPED' | 'CANCELLED';

export type OrderItemView = {
  productId: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
};

/** Announced after each applied event, carrying the order's view as of that event. */
export type OrderViewChange = { view: OrderView };
