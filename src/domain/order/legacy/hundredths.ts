import { LEGACY_SCALE } from '../../money.js';
import type { OrderCancelled, OrderPlaced, PaymentReceived } from '../events.js';
import { isRecord } from './legacyEvent.js';

/**
 * The money events before they recorded their scale: OrderPlaced v2, PaymentReceived v1 and
 * OrderCancelled v1 kept hundredths in every currency, so each reads as its next version with
 * `scale: 2`, amounts untouched.
 */
export type OrderPlacedV2 = Omit<OrderPlacedV3, 'scale'>;
export type OrderPlacedV3 = Omit<OrderPlaced['data'], 'shipping'>;
export type PaymentReceivedV1 = Omit<PaymentReceived['data'], 'scale'>;
export type OrderCancelledV1 = Omit<OrderCancelled['data'], 'scale'>;

export const upcastOrderPlacedV2 = (event: { data: unknown }): OrderPlacedV3 => inHundredths(event.data as OrderPlacedV2);
export const upcastPaymentReceivedV1 = (event: { data: unknown }): PaymentReceived['data'] => inHundredths(event.data as PaymentReceivedV1);
export const upcastOrderCancelledV1 = (event: { data: unknown }): OrderCancelled['data'] => inHundredths(event.data as OrderCancelledV1);

function inHundredths<Data extends object>(data: Data): Data & { scale: number } {
  if (!isRecord(data)) throw new Error('data must be an object');
  return { ...data, scale: LEGACY_SCALE };
}
