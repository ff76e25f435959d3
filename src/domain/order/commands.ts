import type { TypedRecord } from '../decider.js';
import type { OrderLine } from './events.js';

/**
 * `now` is the command's time (ISO 8601), chosen by the caller: the domain reads no clock. Unit
 * prices are in the units the currency is kept in (see Money: thousandths for KWD). `shipping` is
 * sealed already (src/privacy/): the domain never sees personal data in the clear.
 */
export type PlaceOrder = TypedRecord<
  'PlaceOrder',
  { orderId: string; customerId: string; items: OrderLine[]; currency: string; shipping?: string | null; now: string }
>;

/** The amount as the payer wrote it, at `scale` decimals (1234 at 3 is 1.234), before the order's currency is known. */
export type ReceivePayment = TypedRecord<
  'ReceivePayment',
  { orderId: string; paymentId: string; amountMinor: number; scale: number; method: string; now: string }
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

/**
 * Cancels an order that is still unpaid when its time to pay is up (sent by the paymentExpiry
 * process). Unlike CancelOrder it never refunds: an order paid meanwhile is refused, so a payment
 * that came first wins.
 */
export type ExpireOrder = TypedRecord<'ExpireOrder', { orderId: string; now: string }>;

export type OrderCommand = PlaceOrder | ReceivePayment | ShipOrder | CancelOrder | ExpireOrder;
