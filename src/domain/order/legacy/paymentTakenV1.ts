import { minorFromLegacyFloat } from '../../money.js';
import type { PaymentReceivedV1 } from './hundredths.js';
import { isRecord, type LegacyOrderEvent, orderIdOfStream, requireString } from './legacyEvent.js';

/** The older system's PaymentTaken `{ amount: 99.99, method, transactionId }` → PaymentReceived v1. */
export function upcastPaymentTakenV1(event: LegacyOrderEvent): PaymentReceivedV1 {
  const data = event.data;
  if (!isRecord(data)) throw new Error('data must be an object');
  const amountMinor = minorFromLegacyFloat(data.amount);
  if (amountMinor === undefined || amountMinor <= 0) {
    throw new Error(`amount ${String(data.amount)} is not a positive amount of whole cents`);
  }
  return {
    orderId: orderIdOfStream(event.streamId),
    paymentId: requireString(data, 'transactionId'),
    amountMinor,
    method: requireString(data, 'method'),
    receivedAt: event.metadata.occurredAt,
  };
}
