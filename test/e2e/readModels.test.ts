import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

/** Cents as the Decimal scalar writes them: 10997 → "109.97", -1550 → "-15.50". */
const decimal = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const utcDay = (iso: string) => new Date(iso).toISOString().slice(0, 10);

describe('Read models over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const place = async (input: Parameters<typeof referenceOrder>[0]) =>
    (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder(input) })).placeOrder;
  const pay = async (orderId: string, amount: string) =>
    (await requestData(server.url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount, method: 'card' } }))
      .receivePayment;
  const ship = async (orderId: string) =>
    (await requestData(server.url, ShipOrderDocument, { input: { orderId, trackingNumber: 'T-1', carrier: 'UPS' } })).shipOrder;
  const cancel = async (orderId: string) =>
    (await requestData(server.url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } })).cancelOrder;
  const customer = async (id: string, currency?: string) =>
    (await requestData(server.url, CustomerSummaryDocument, { id, currency })).customer;

  describe('customer', () => {
    it('should sum up a customer after place, pay, ship and cancel, per currency', async () => {
      const shipped = await place({ customerId: 'cust-summary' });
      await pay(shipped.id, '109.97');
      expect(await customer('cust-summary')).toMatchObject({
        orderCount: 1,
        pendingCount: 0,
        paidCount: 1,
        openOrders: 1,
        lifetimeSpend: { amount: '109.97', currency: 'USD' },
      });
      await ship(shipped.id);

      const refunded = await place({ customerId: 'cust-summary' });
      await pay(refunded.id, '109.97');
      await cancel(refunded.id);
      const pending = await place({
        customerId: 'cust-summary',
        items: [{ productId: 'p9', name: 'Sticker', quantity: 3, unitPrice: '0.99' }],
      });
      const euro = await place({
        customerId: 'cust-summary',
        currency: 'EUR',
        items: [{ productId: 'p8', name: 'Mug', quantity: 1, unitPrice: '12.34' }],
      });
      await pay(euro.id, '12.34');

      expect(pending.total.amount).toBe('2.97');
      expect(await customer('cust-summary', 'USD')).toEqual({
        id: 'cust-summary',
        orderCount: 4,
        pendingCount: 1,
        paidCount: 1,
        shippedCount: 1,
        cancelledCount: 1,
        openOrders: 2,
        // Without `currency`: the latest order's currency. 109.97 + 109.97 − 109.97 refunded in USD.
        lifetimeSpend: { amount: '12.34', currency: 'EUR' },
        lifetimeSpendIn: { amount: '109.97', currency: 'USD' },
        lifetimeSpendByCurrency: [
          { amount: '12.34', currency: 'EUR' },
          { amount: '109.97', currency: 'USD' },
        ],
        firstOrderAt: shipped.placedAt,
        lastOrderAt: euro.placedAt,
      });
      expect((await customer('cust-summary', 'GBP'))!.lifetimeSpendIn).toEqual({ amount: '0.00', currency: 'GBP' });
    });

    it('should answer null for a customer with no orders', async () => {
      expect(await customer('no-such-customer')).toBeNull();
    });

    it('should refuse a currency that is no ISO 4217 code with BAD_USER_INPUT', async () => {
      await place({ customerId: 'cust-bad-currency' });
      const response = await request(server.url, CustomerSummaryDocument, { id: 'cust-bad-currency', currency: 'dollars' });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
    });
  });

  describe('dashboard', () => {
    it('should give figures by status and by day, exact in cents', async () => {
      // CHF is used by this test only, so the other tests' orders do not count.
      const events: { at: string; kind: 'placed' | 'paid' | 'shipped' | 'cancelled'; revenue: number }[] = [];
      const shipped = await place({ currency: 'CHF' });
      events.push({ at: shipped.placedAt, kind: 'placed', revenue: 0 });
      events.push({ at: (await pay(shipped.id, '109.97')).updatedAt, kind: 'paid', revenue: 10997 });
      events.push({ at: (await ship(shipped.id)).updatedAt, kind: 'shipped', revenue: 0 });
      const refunded = await place({ currency: 'CHF', items: [{ productId: 'p3', name: 'Cable', quantity: 1, unitPrice: '15.50' }] });
      events.push({ at: refunded.placedAt, kind: 'placed', revenue: 0 });
      events.push({ at: (await pay(refunded.id, '15.50')).updatedAt, kind: 'paid', revenue: 1550 });
      events.push({ at: (await cancel(refunded.id)).updatedAt, kind: 'cancelled', revenue: -1550 });
      const pending = await place({ currency: 'CHF', items: [{ productId: 'p4', name: 'Sticker', quantity: 3, unitPrice: '0.99' }] });
      events.push({ at: pending.placedAt, kind: 'placed', revenue: 0 });

      const { dashboard } = await requestData(server.url, DashboardDocument, { currency: 'CHF' });
      expect(dashboard).toMatchObject({
        from: null,
        to: null,
        currency: 'CHF',
        ordersPlaced: 3,
        revenue: { amount: '109.97', currency: 'CHF' },
        byStatus: [
          { status: 'PENDING', count: 1, amount: { amount: '2.97', currency: 'CHF' } },
          { status: 'PAID', count: 0, amount: { amount: '0.00', currency: 'CHF' } },
          { status: 'SHIPPED', count: 1, amount: { amount: '109.97', currency: 'CHF' } },
          { status: 'CANCELLED', count: 1, amount: { amount: '15.50', currency: 'CHF' } },
        ],
      });
      expect(dashboard.currencies).toContain('CHF');

      // Expected days from the times the server returned (the run may straddle midnight UTC).
      const days = [...new Set(events.map((event) => utcDay(event.at)))].sort();
      expect(dashboard.days).toEqual(
        days.map((date) => {
          const that = events.filter((event) => utcDay(event.at) === date);
          const count = (kind: string) => that.filter((event) => event.kind === kind).length;
          return {
            date,
            ordersPlaced: count('placed'),
            ordersPaid: count('paid'),
            ordersShipped: count('shipped'),
            ordersCancelled: count('cancelled'),
            revenue: { amount: decimal(that.reduce((sum, event) => sum + event.revenue, 0)), currency: 'CHF' },
          };
        }),
      );
      expect(dashboard.days.reduce((sum, day) => sum + day.ordersPlaced, 0)).toBe(3);

      // A window that ends where the first order was placed (exclusive) holds nothing of it.
      const before = await requestData(server.url, DashboardDocument, { currency: 'CHF', to: shipped.placedAt });
      expect(before.dashboard).toMatchObject({ to: shipped.placedAt, ordersPlaced: 0, revenue: { amount: '0.00' }, days: [] });
      // One that starts there (inclusive) holds all of it.
      const after = await requestData(server.url, DashboardDocument, { currency: 'CHF', from: shipped.placedAt });
      expect(after.dashboard).toMatchObject({ from: shipped.placedAt, ordersPlaced: 3, revenue: { amount: '109.97' } });
    });

    it('should default to USD and leave the other currencies to their own query', async () => {
      const usd = await place({ customerId: 'cust-dash' });
      const from = usd.placedAt;
      await pay(usd.id, '109.97');
      await place({
        customerId: 'cust-dash',
        currency: 'SEK',
        items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPrice: '100' }],
      });

      const { dashboard } = await requestData(server.url, DashboardDocument, { from });
      expect(dashboard).toMatchObject({
        currency: 'USD',
        currencies: ['SEK', 'USD'],
        ordersPlaced: 1,
        revenue: { amount: '109.97', currency: 'USD' },
      });
      const sek = await requestData(server.url, DashboardDocument, { from, currency: 'SEK' });
      expect(sek.dashboard).toMatchObject({ ordersPlaced: 1, revenue: { amount: '0.00', currency: 'SEK' } });
      expect(sek.dashboard.byStatus[0]).toEqual({ status: 'PENDING', count: 1, amount: { amount: '100.00', currency: 'SEK' } });
    });

    it('should refuse from after to with BAD_USER_INPUT', async () => {
      const response = await request(server.url, DashboardDocument, {
        from: '2025-01-11T00:00:00.000Z',
        to: '2025-01-10T00:00:00.000Z',
      });
      expect(response.data).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
      // Not a code, and three capital letters that name no ISO 4217 currency.
      for (const currency of ['usd', 'ABC']) {
        const badCurrency = await request(server.url, DashboardDocument, { currency });
        expect(badCurrency.errors?.[0]?.extensions, currency).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
      }
    });
  });
});
