import type { TypedRecord } from '../decider.js';
import type { OrderLine } from './events.js';

/** `now` is the command's time (ISO 8601), chosen by the caller: the domain reads no clock. */
export type PlaceOrder = TypedRecord<
  'PlaceOrder',
  { orderId: string; customerId: string; items: OrderLine[]; currency: string; now: string }
>;

export type ReceivePayment = TypedRecord<
  'ReceivePayment',
  { orderId: string; paymentId: string; amountMinor: number; method: string; now: string }
>;

export type ShipOrder = TypedRecord<
  'ShipOrder',
  {
    orderId: string;
    trackingNumber: string;
    carrier: string;
    estimatedDelivery: string | null;
    now: string;
  }
>;

export type CancelOrder = TypedRecord<'CancelOrder', { orderId: string; reason: string; now: string }>;

export type OrderCommand = PlaceOrder | ReceivePayment | ShipOrder | CancelOrder;
