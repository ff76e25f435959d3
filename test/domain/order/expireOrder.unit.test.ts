import { describe, expect, it } from 'vitest';
import { type DomainError, IllegalStateError, NotFoundError } from '../../../src/domain/errors.js';
import {
  type CancelOrder,
  type ExpireOrder,
  type OrderCancelled,
  type OrderPlaced,
  type OrderShipped,
  PAYMENT_NOT_RECEIVED,
  type PaymentReceived,
  type ReceivePayment,
  orderDecider,
} from '../../../src/domain/order/index.js';
import { deciderSpec } from '../../support/deciderSpec.js';

const given = deciderSpec(orderDecider);

describe('Order expiring for want of payment (ExpireOrder)', () => {
  describe('when it does not exist', () => {
    it('should refuse with NOT_FOUND', () => {
      given([]).when(expireOrder).thenThrows(NotFoundError, 'Order o-1 does not exist');
    });
  });

  describe('when pending', () => {
    it('should cancel it with reason "payment not received" and refund nothing', () => {
      given([placed]).when(expireOrder).then([expired]);
    });
  });

  describe('when paid', () => {
    it('should refuse, so the payment that came first wins and nothing is refunded', () => {
      given([placed, paid])
        .when(expireOrder)
        .thenThrows(IllegalStateError, 'Order o-1 is paid; it cannot expire for want of payment', hasStatus('PAID'));
    });
  });

  describe('when shipped', () => {
    it('should refuse', () => {
      given([placed, paid, shipped])
        .when(expireOrder)
        .thenThrows(IllegalStateError, /is shipped; it cannot expire/, hasStatus('SHIPPED'));
    });
  });

  describe('when cancelled', () => {
    it('should refuse an order the customer cancelled', () => {
      given([placed, cancelledByCustomer])
        .when(expireOrder)
        .thenThrows(IllegalStateError, /is cancelled; it cannot expire/, hasStatus('CANCELLED'));
    });

    it('should refuse an order that expired already', () => {
      given([placed, expired])
        .when(expireOrder)
        .thenThrows(IllegalStateError, /is cancelled; it cannot expire/, hasStatus('CANCELLED'));
    });
  });

  describe('when expired', () => {
    it('should refuse a late payment', () => {
      given([placed, expired])
        .when(receivePayment)
        .thenThrows(IllegalStateError, 'Order o-1 is cancelled; it cannot receive a payment', hasStatus('CANCELLED'));
    });

    it('should refuse a cancellation: there is nothing left to cancel or refund', () => {
      given([placed, expired])
        .when(cancelOrder)
        .thenThrows(IllegalStateError, /is cancelled; it cannot be cancelled/, hasStatus('CANCELLED'));
    });
  });
});

function hasStatus(status: string) {
  return (error: DomainError) => {
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.details).toEqual({ status });
  };
}

const orderId = 'o-1';
const placedAt = '2025-01-10T09:00:00.000Z';
const deadline = '2025-01-10T09:30:00.000Z';

const placed: OrderPlaced = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'cust-1',
    items: [{ productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 }],
    currency: 'USD',
    totalMinor: 5998,
    scale: 2,
    shipping: null,
    placedAt,
  },
};

const paid: PaymentReceived = {
  type: 'PaymentReceived',
  data: { orderId, paymentId: 'pay-1', amountMinor: 5998, scale: 2, method: 'card', receivedAt: '2025-01-10T09:05:00.000Z' },
};

const shipped: OrderShipped = {
  type: 'OrderShipped',
  data: { orderId, trackingNumber: 'TRK-1', carrier: 'UPS', estimatedDelivery: null, shippedAt: '2025-01-10T12:00:00.000Z' },
};

const cancelledByCustomer: OrderCancelled = {
  type: 'OrderCancelled',
  data: { orderId, reason: 'changed my mind', refundMinor: 0, scale: 2, cancelledAt: '2025-01-10T09:10:00.000Z' },
};

const expireOrder: ExpireOrder = { type: 'ExpireOrder', data: { orderId, now: deadline } };

const expired: OrderCancelled = {
  type: 'OrderCancelled',
  data: { orderId, reason: PAYMENT_NOT_RECEIVED, refundMinor: 0, scale: 2, cancelledAt: deadline },
};

const receivePayment: ReceivePayment = {
  type: 'ReceivePayment',
  data: { orderId, paymentId: 'pay-late', amountMinor: 5998, scale: 2, method: 'card', now: '2025-01-10T09:31:00.000Z' },
};

const cancelOrder: CancelOrder = { type: 'CancelOrder', data: { orderId, reason: 'too late', now: '2025-01-10T09:32:00.000Z' } };
