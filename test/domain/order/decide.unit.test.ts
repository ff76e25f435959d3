import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, type DomainError, IllegalStateError, NotFoundError, ValidationError } from '../../../src/domain/errors.js';
import {
  type CancelOrder,
  type OrderCancelled,
  type OrderPlaced,
  type OrderShipped,
  type PaymentReceived,
  type PlaceOrder,
  type ReceivePayment,
  type ShipOrder,
  orderDecider,
} from '../../../src/domain/order/index.js';
import { deciderSpec } from '../../support/deciderSpec.js';

const given = deciderSpec(orderDecider);

describe('Order', () => {
  describe('when it does not exist', () => {
    it('should place it with the total computed in integer cents', () => {
      given([]).when(placeOrder()).then([placed]);
    });

    it('should refuse an order without items', () => {
      given([])
        .when(placeOrder({ items: [] }))
        .thenThrows(ValidationError, 'An order needs at least one item', hasDetails('BAD_USER_INPUT', { field: 'items' }));
    });

    it.each([0, -1, 1.5])('should refuse a quantity of %s', (quantity) => {
      given([])
        .when(placeOrder({ items: [{ ...widget, quantity }] }))
        .thenThrows(
          ValidationError,
          `Quantity must be a positive whole number, got ${quantity}`,
          hasDetails('BAD_USER_INPUT', { field: 'items[0].quantity' }),
        );
    });

    it.each([
      [0, '0.00'],
      [-100, '-1.00'],
    ])('should refuse a unit price of %s cents', (unitPriceMinor, text) => {
      given([])
        .when(placeOrder({ items: [{ ...widget, unitPriceMinor }] }))
        .thenThrows(
          ValidationError,
          `Unit price must be positive, got ${text}`,
          hasDetails('BAD_USER_INPUT', { field: 'items[0].unitPrice' }),
        );
    });

    it('should refuse a unit price that is not a whole number of cents', () => {
      given([])
        .when(placeOrder({ items: [{ ...widget, unitPriceMinor: 1.5 }] }))
        .thenThrows(
          ValidationError,
          'Unit price must be a whole number of cents, got 1.5',
          hasDetails('BAD_USER_INPUT', { field: 'items[0].unitPrice' }),
        );
    });

    it.each(['', '   '])('should refuse the customer id %j', (customerId) => {
      given([])
        .when(placeOrder({ customerId }))
        .thenThrows(ValidationError, 'customerId must not be empty', hasDetails('BAD_USER_INPUT', { field: 'customerId' }));
    });

    it.each(['usd', 'US', 'ABC'])('should refuse the currency %j', (currency) => {
      given([])
        .when(placeOrder({ currency }))
        .thenThrows(ValidationError, new RegExp(`got "${currency}"$`), hasDetails('BAD_USER_INPUT', { field: 'currency' }));
    });

    it('should place an order of 100 items', () => {
      const items = Array.from({ length: 100 }, (_, index) => ({ ...widget, productId: `p${index}`, quantity: 1, unitPriceMinor: 100 }));
      given([])
        .when(placeOrder({ items }))
        .then([{ ...placed, data: { ...placed.data, items, totalMinor: 10000 } }]);
    });

    it('should refuse an order of 101 items', () => {
      const items = Array.from({ length: 101 }, () => ({ ...widget, quantity: 1 }));
      given([])
        .when(placeOrder({ items }))
        .thenThrows(ValidationError, 'An order has at most 100 items', hasDetails('BAD_USER_INPUT', { field: 'items' }));
    });

    it('should accept a quantity of 10000', () => {
      const item = { ...widget, quantity: 10_000, unitPriceMinor: 1 };
      given([])
        .when(placeOrder({ items: [item] }))
        .then([{ ...placed, data: { ...placed.data, items: [item], totalMinor: 10_000 } }]);
    });

    it('should refuse a quantity of 10001', () => {
      given([])
        .when(placeOrder({ items: [{ ...widget, quantity: 10_001 }] }))
        .thenThrows(
          ValidationError,
          'Quantity must be at most 10000, got 10001',
          hasDetails('BAD_USER_INPUT', { field: 'items[0].quantity' }),
        );
    });

    it('should accept a unit price of 1000000.00', () => {
      const item = { ...widget, quantity: 1, unitPriceMinor: 100_000_000 };
      given([])
        .when(placeOrder({ items: [item] }))
        .then([{ ...placed, data: { ...placed.data, items: [item], totalMinor: 100_000_000 } }]);
    });

    it.each([
      [100_000_001, '1000000.01'],
      [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    ])('should refuse a unit price of %s cents', (unitPriceMinor, text) => {
      given([])
        .when(placeOrder({ items: [{ ...widget, unitPriceMinor }] }))
        .thenThrows(
          ValidationError,
          `Unit price must be at most 1000000.00, got ${text}`,
          hasDetails('BAD_USER_INPUT', { field: 'items[0].unitPrice' }),
        );
    });

    it('should refuse a total over 1000000.00', () => {
      given([])
        .when(placeOrder({ items: [{ ...widget, quantity: 2, unitPriceMinor: 50_000_001 }] }))
        .thenThrows(
          ValidationError,
          'The order total must be at most 1000000.00 USD, got 1000000.02 USD',
          hasDetails('BAD_USER_INPUT', { field: 'items' }),
        );
    });

    it.each([
      ['productId', { productId: 'p'.repeat(101) }, 'items[0].productId must be at most 100 characters, got 101'],
      ['name', { name: 'n'.repeat(201) }, 'items[0].name must be at most 200 characters, got 201'],
    ])('should refuse an item %s that is too long', (field, item, message) => {
      given([])
        .when(placeOrder({ items: [{ ...widget, ...item }] }))
        .thenThrows(ValidationError, message, hasDetails('BAD_USER_INPUT', { field: `items[0].${field}` }));
    });

    it('should refuse a payment', () => {
      given([]).when(receivePayment()).thenThrows(NotFoundError, 'Order o-1 does not exist', isNotFound);
    });

    it('should refuse to ship it', () => {
      given([]).when(shipOrder()).thenThrows(NotFoundError, 'Order o-1 does not exist', isNotFound);
    });

    it('should refuse to cancel it', () => {
      given([]).when(cancelOrder()).thenThrows(NotFoundError, 'Order o-1 does not exist', isNotFound);
    });
  });

  describe('when pending', () => {
    it('should refuse to place it again', () => {
      given([placed])
        .when(placeOrder())
        .thenThrows(AlreadyExistsError, 'Order o-1 exists already', hasDetails('CONFLICT', { type: 'Order', id: 'o-1' }));
    });

    it('should receive a payment of the exact total', () => {
      given([placed]).when(receivePayment()).then([paid]);
    });

    it.each([
      [10996, '109.96'],
      [10998, '109.98'],
    ])('should refuse a payment of %s cents', (amountMinor, text) => {
      given([placed])
        .when(receivePayment({ amountMinor }))
        .thenThrows(
          ValidationError,
          `Payment of ${text} USD does not match the order total 109.97 USD`,
          hasDetails('BAD_USER_INPUT', { field: 'amount' }),
        );
    });

    it.each([
      [0, '0.00'],
      [-1, '-0.01'],
      [100_000_001, '1000000.01'],
      [1.5, '1.5'],
    ])('should refuse a payment of %s cents as out of range', (amountMinor, text) => {
      given([placed])
        .when(receivePayment({ amountMinor }))
        .thenThrows(
          ValidationError,
          `A payment must be a whole number of cents from 0.01 to 1000000.00, got ${text}`,
          hasDetails('BAD_USER_INPUT', { field: 'amount' }),
        );
    });

    it('should refuse a payment method of more than 200 characters', () => {
      given([placed])
        .when(receivePayment({ method: 'm'.repeat(201) }))
        .thenThrows(ValidationError, 'method must be at most 200 characters, got 201', hasDetails('BAD_USER_INPUT', { field: 'method' }));
    });

    it('should refuse to ship it', () => {
      given([placed]).when(shipOrder()).thenThrows(IllegalStateError, 'Order o-1 is pending; it cannot be shipped', hasStatus('PENDING'));
    });

    it('should cancel it with nothing to refund', () => {
      given([placed]).when(cancelOrder()).then([cancelled]);
    });

    it('should refuse to cancel it for a reason of more than 200 characters', () => {
      given([placed])
        .when(cancelOrder({ reason: 'r'.repeat(201) }))
        .thenThrows(ValidationError, 'reason must be at most 200 characters, got 201', hasDetails('BAD_USER_INPUT', { field: 'reason' }));
    });

    it.each(['', '  '])('should refuse to cancel it for the reason %j', (reason) => {
      given([placed])
        .when(cancelOrder({ reason }))
        .thenThrows(ValidationError, 'reason must not be empty', hasDetails('BAD_USER_INPUT', { field: 'reason' }));
    });
  });

  describe('when paid', () => {
    it('should refuse another payment', () => {
      given([placed, paid])
        .when(receivePayment())
        .thenThrows(IllegalStateError, 'Order o-1 is paid; it cannot receive a payment', hasStatus('PAID'));
    });

    it('should ship it with an estimated delivery', () => {
      given([placed, paid]).when(shipOrder()).then([shipped]);
    });

    it('should ship it without an estimated delivery', () => {
      given([placed, paid])
        .when(shipOrder({ estimatedDelivery: null }))
        .then([{ ...shipped, data: { ...shipped.data, estimatedDelivery: null } }]);
    });

    it.each([
      ['trackingNumber', { trackingNumber: 't'.repeat(201) }],
      ['carrier', { carrier: 'c'.repeat(201) }],
    ])('should refuse a %s of more than 200 characters', (field, data) => {
      given([placed, paid])
        .when(shipOrder(data))
        .thenThrows(ValidationError, `${field} must be at most 200 characters, got 201`, hasDetails('BAD_USER_INPUT', { field }));
    });

    it('should refuse an estimated delivery on a day that does not exist', () => {
      given([placed, paid])
        .when(shipOrder({ estimatedDelivery: '2025-02-31' }))
        .thenThrows(ValidationError, /got "2025-02-31"/, hasDetails('BAD_USER_INPUT', { field: 'estimatedDelivery' }));
    });

    it('should refuse an estimated delivery that is not an ISO date', () => {
      given([placed, paid])
        .when(shipOrder({ estimatedDelivery: '15/01/2025' }))
        .thenThrows(
          ValidationError,
          'Estimated delivery must be a date like 2025-01-15, got "15/01/2025"',
          hasDetails('BAD_USER_INPUT', { field: 'estimatedDelivery' }),
        );
    });

    it('should cancel it and refund the amount paid', () => {
      given([placed, paid])
        .when(cancelOrder())
        .then([{ ...cancelled, data: { ...cancelled.data, refundMinor: 10997 } }]);
    });
  });

  describe('when shipped', () => {
    it('should refuse a payment', () => {
      given([placed, paid, shipped])
        .when(receivePayment())
        .thenThrows(IllegalStateError, 'Order o-1 is shipped; it cannot receive a payment', hasStatus('SHIPPED'));
    });

    it('should refuse to ship it again', () => {
      given([placed, paid, shipped])
        .when(shipOrder())
        .thenThrows(IllegalStateError, 'Order o-1 is shipped; it cannot be shipped', hasStatus('SHIPPED'));
    });

    it('should refuse to cancel it', () => {
      given([placed, paid, shipped])
        .when(cancelOrder())
        .thenThrows(IllegalStateError, 'Order o-1 is shipped; it cannot be cancelled', hasStatus('SHIPPED'));
    });
  });

  describe('when cancelled', () => {
    it('should refuse to place it again', () => {
      given([placed, cancelled]).when(placeOrder()).thenThrows(AlreadyExistsError, 'Order o-1 exists already');
    });

    it('should refuse a payment', () => {
      given([placed, cancelled])
        .when(receivePayment())
        .thenThrows(IllegalStateError, 'Order o-1 is cancelled; it cannot receive a payment', hasStatus('CANCELLED'));
    });

    it('should refuse to ship it', () => {
      given([placed, cancelled])
        .when(shipOrder())
        .thenThrows(IllegalStateError, 'Order o-1 is cancelled; it cannot be shipped', hasStatus('CANCELLED'));
    });

    it('should refuse to ship it when it was cancelled after payment', () => {
      given([placed, paid, { ...cancelled, data: { ...cancelled.data, refundMinor: 10997 } }])
        .when(shipOrder())
        .thenThrows(IllegalStateError, 'Order o-1 is cancelled; it cannot be shipped', hasStatus('CANCELLED'));
    });

    it('should refuse to cancel it again', () => {
      given([placed, cancelled])
        .when(cancelOrder())
        .thenThrows(IllegalStateError, 'Order o-1 is cancelled; it cannot be cancelled', hasStatus('CANCELLED'));
    });
  });

  describe('evolve', () => {
    const { evolve, initialState } = orderDecider;

    it('should fold the history into the state the decider needs', () => {
      const state = [placed, paid].reduce(evolve, initialState());
      expect(state).toEqual({
        status: 'Paid',
        orderId: 'o-1',
        customerId: 'c-1',
        currency: 'USD',
        totalMinor: 10997,
        paidMinor: 10997,
      });
    });

    it.each(['PaymentReceived', 'OrderShipped', 'OrderCancelled'])(
      'should not throw for %s on an empty stream, and keep the stream empty',
      (type) => {
        const event = [paid, shipped, cancelled].find((candidate) => candidate.type === type)!;
        expect(evolve(initialState(), event)).toEqual({ status: 'Empty' });
      },
    );

    it('should not throw for OrderShipped on a pending order, and keep it pending', () => {
      const pending = evolve(initialState(), placed);
      expect(evolve(pending, shipped)).toEqual(pending);
    });

    it('should keep a shipped order shipped whatever event follows', () => {
      const shippedState = [placed, paid, shipped].reduce(evolve, initialState());
      expect(shippedState.status).toBe('Shipped');
      expect(evolve(shippedState, paid)).toEqual(shippedState);
      expect(evolve(shippedState, cancelled)).toEqual(shippedState);
    });
  });
});

// Fixtures: order o-1 of 2 × Widget at 29.99 and 1 × Gadget at 49.99, total 109.97.

const orderId = 'o-1';
const widget = { productId: 'p1', name: 'Widget', quantity: 2, unitPriceMinor: 2999 };

const placed: OrderPlaced = {
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'c-1',
    items: [widget, { productId: 'p2', name: 'Gadget', quantity: 1, unitPriceMinor: 4999 }],
    currency: 'USD',
    totalMinor: 10997,
    scale: 2,
    shipping: null,
    placedAt: '2025-01-10T09:00:00.000Z',
  },
};

const paid: PaymentReceived = {
  type: 'PaymentReceived',
  data: { orderId, paymentId: 'pay-1', amountMinor: 10997, scale: 2, method: 'card', receivedAt: '2025-01-10T09:05:00.000Z' },
};

const shipped: OrderShipped = {
  type: 'OrderShipped',
  data: {
    orderId,
    trackingNumber: 'TRK-1',
    carrier: 'UPS',
    estimatedDelivery: '2025-01-15',
    shippedAt: '2025-01-11T08:00:00.000Z',
  },
};

const cancelled: OrderCancelled = {
  type: 'OrderCancelled',
  data: { orderId, reason: 'Changed my mind', refundMinor: 0, scale: 2, cancelledAt: '2025-01-10T10:00:00.000Z' },
};

function placeOrder(data: Partial<PlaceOrder['data']> = {}): PlaceOrder {
  const { customerId, items, currency, placedAt } = placed.data;
  return { type: 'PlaceOrder', data: { orderId, customerId, items, currency, now: placedAt, ...data } };
}

function receivePayment(data: Partial<ReceivePayment['data']> = {}): ReceivePayment {
  const { paymentId, amountMinor, scale, method, receivedAt } = paid.data;
  return { type: 'ReceivePayment', data: { orderId, paymentId, amountMinor, scale, method, now: receivedAt, ...data } };
}

function shipOrder(data: Partial<ShipOrder['data']> = {}): ShipOrder {
  const { trackingNumber, carrier, estimatedDelivery, shippedAt } = shipped.data;
  return { type: 'ShipOrder', data: { orderId, trackingNumber, carrier, estimatedDelivery, now: shippedAt, ...data } };
}

function cancelOrder(data: Partial<CancelOrder['data']> = {}): CancelOrder {
  const { reason, cancelledAt } = cancelled.data;
  return { type: 'CancelOrder', data: { orderId, reason, now: cancelledAt, ...data } };
}

function hasDetails(code: string, details: Record<string, unknown>) {
  return (error: DomainError) => {
    expect(error.code).toBe(code);
    expect(error.details).toEqual(details);
  };
}

function hasStatus(status: string) {
  return hasDetails('FAILED_PRECONDITION', { status });
}

const isNotFound = hasDetails('NOT_FOUND', { type: 'Order', id: 'o-1' });
