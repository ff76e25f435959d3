import type { OrderEvent } from '../../src/domain/order/index.js';

const BASE_TIME = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * The events of bench order `index`, a mix of lifecycles (shipped, paid, cancelled paid, cancelled
 * pending) with 1 to 3 lines, spread over time: the same log for every rebuild bench.
 */
export function lifecycle(index: number): OrderEvent[] {
  const orderId = `bench-${index}`;
  const at = (step: number) => new Date(BASE_TIME + index * 1000 + step * 60_000).toISOString();
  const items = Array.from({ length: 1 + (index % 3) }, (_, line) => ({
    productId: `p-${(index + line) % 50}`,
    name: `Product ${(index + line) % 50}`,
    quantity: 1 + ((index + line) % 4),
    unitPriceMinor: 199 + ((index * 7 + line * 13) % 10_000),
  }));
  const totalMinor = items.reduce((sum, item) => sum + item.quantity * item.unitPriceMinor, 0);
  const placed: OrderEvent = {
    type: 'OrderPlaced',
    data: {
      orderId,
      customerId: `cust-${index % 5_000}`,
      items,
      currency: index % 10 === 0 ? 'EUR' : 'USD',
      totalMinor,
      scale: 2,
      shipping: null,
      placedAt: at(0),
    },
  };
  const paid: OrderEvent = {
    type: 'PaymentReceived',
    data: {
      orderId,
      paymentId: `pay-${index}`,
      amountMinor: totalMinor,
      scale: 2,
      method: index % 2 ? 'card' : 'paypal',
      receivedAt: at(1),
    },
  };
  const shipped: OrderEvent = {
    type: 'OrderShipped',
    data: { orderId, trackingNumber: `1Z${index}`, carrier: 'UPS', estimatedDelivery: '2025-02-01', shippedAt: at(2) },
  };
  const cancelled = (refundMinor: number, step: number): OrderEvent => ({
    type: 'OrderCancelled',
    data: { orderId, reason: 'customer request', refundMinor, scale: 2, cancelledAt: at(step) },
  });
  switch (index % 6) {
    case 3:
      return [placed, paid, cancelled(totalMinor, 2)];
    case 4:
      return [placed, cancelled(0, 1)];
    case 5:
      return [placed, paid];
    default:
      return [placed, paid, shipped];
  }
}
