import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import {
  AddProductDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  GetOrderDocument,
  OrderHistoryDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  RebuildProjectionDocument,
} from '../generated/graphql.js';
import { request, requestData } from '../support/graphqlClient.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Currencies by ISO 4217', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const yenOrder = (orderId: string, unitPrice: string) => ({
    orderId,
    customerId: 'cust-yen',
    currency: 'JPY',
    items: [{ productId: 'tea', name: 'Sencha', quantity: 2, unitPrice }],
  });

  it("should take and show yen in the currency's own decimals: none", async () => {
    const { addProduct } = await requestData(server.url, AddProductDocument, {
      input: { productId: 'tea', name: 'Sencha', quantity: 50, unitPrice: '1500', currency: 'JPY' },
    });
    expect(addProduct.price).toEqual({ amount: '1500', currency: 'JPY' });
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: yenOrder('yen-1', '1500') });
    expect(placeOrder.total).toEqual({ amount: '3000', currency: 'JPY' });
    expect(placeOrder.items[0]!.unitPrice).toEqual({ amount: '1500', currency: 'JPY' });
    const paid = await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: 'yen-1', paymentId: 'pay-yen-1', amount: '3000', method: 'card' },
    });
    expect(paid.receivePayment.status).toBe('PAID');
    expect((await requestData(server.url, GetOrderDocument, { id: 'yen-1' })).order?.total.amount).toBe('3000');
  });

  it('should refuse a yen fraction with BAD_USER_INPUT, writing nothing', async () => {
    const refused = await request(server.url, PlaceOrderDocument, { input: yenOrder('yen-fraction', '12.34') });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items[0].unitPrice' });
    expect(refused.errors?.[0]?.message).toBe('JPY amounts have no decimals, got 12.34');
    expect(await server.services.store.readStream('order-yen-fraction')).toEqual([]);

    const product = await request(server.url, AddProductDocument, {
      input: { productId: 'mochi', name: 'Mochi', quantity: 5, unitPrice: '99.5', currency: 'JPY' },
    });
    expect(product.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await server.services.store.readStream('product-mochi')).toEqual([]);
  });

  it('should refuse a currency ISO 4217 does not list as one in use', async () => {
    for (const currency of ['ABC', 'XAU', 'HRK']) {
      const refused = await request(server.url, PlaceOrderDocument, {
        input: { ...yenOrder(`odd-${currency}`, '10.00'), currency },
      });
      expect(refused.errors?.[0]?.extensions?.code, currency).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toMatch(/ISO 4217/);
    }
  });

  it('should take and show dinars to the fils: three decimals, exactly', async () => {
    const { addProduct } = await requestData(server.url, AddProductDocument, {
      input: { productId: 'dates', name: 'Dates', quantity: 50, unitPrice: '1.234', currency: 'KWD' },
    });
    expect(addProduct.price).toEqual({ amount: '1.234', currency: 'KWD' });
    const order = {
      orderId: 'kwd-1',
      customerId: 'cust-kwd',
      currency: 'KWD',
      items: [{ productId: 'dates', name: 'Dates', quantity: 2, unitPrice: '1.234' }],
    };
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: order });
    expect(placeOrder.total).toEqual({ amount: '2.468', currency: 'KWD' });
    expect(placeOrder.items[0]!.unitPrice).toEqual({ amount: '1.234', currency: 'KWD' });

    const short = await request(server.url, ReceivePaymentDocument, {
      input: { orderId: 'kwd-1', paymentId: 'pay-kwd-short', amount: '2.47', method: 'card' },
    });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(short.errors?.[0]?.message).toBe('Payment of 2.470 KWD does not match the order total 2.468 KWD');
    const paid = await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: 'kwd-1', paymentId: 'pay-kwd-1', amount: '2.468', method: 'card' },
    });
    expect(paid.receivePayment.status).toBe('PAID');
    const stored = await server.services.store.readStream('order-kwd-1');
    expect(stored.map(({ type, schemaVersion, data }) => ({ type, schemaVersion, scale: (data as { scale: number }).scale }))).toEqual([
      { type: 'OrderPlaced', schemaVersion: 4, scale: 3 },
      { type: 'PaymentReceived', schemaVersion: 2, scale: 3 },
    ]);
    expect(stored[0]!.data).toMatchObject({ totalMinor: 2468, items: [{ unitPriceMinor: 1234 }] });
  });

  it('should refuse more decimals than the currency has, naming its rule, and write nothing', async () => {
    const cases = [
      { orderId: 'usd-fils', currency: 'USD', unitPrice: '0.001', message: 'USD amounts have at most 2 decimals, got 0.001' },
      { orderId: 'kwd-tenth-fils', currency: 'KWD', unitPrice: '1.2345', message: 'KWD amounts have at most 3 decimals, got 1.2345' },
    ];
    for (const { orderId, currency, unitPrice, message } of cases) {
      const refused = await request(server.url, PlaceOrderDocument, {
        input: { orderId, customerId: 'cust-x', currency, items: [{ productId: 'p', name: 'P', quantity: 1, unitPrice }] },
      });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items[0].unitPrice' });
      expect(refused.errors?.[0]?.message).toBe(message);
      expect(await server.services.store.readStream(orderStreamId(orderId))).toEqual([]);
    }
    // Trailing zeros are no extra decimals: 5.000 dollars is 5.00.
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, {
      input: {
        orderId: 'usd-zeros',
        customerId: 'cust-x',
        currency: 'USD',
        items: [{ productId: 'p', name: 'P', quantity: 1, unitPrice: '5.000' }],
      },
    });
    expect(placeOrder.total).toEqual({ amount: '5.00', currency: 'USD' });
  });

  it('should read orders recorded in hundredths (before amounts had a scale) as they were, in every view and after a rebuild', async () => {
    // Two KWD orders as an earlier release wrote them: OrderPlaced v2 and PaymentReceived v1, in hundredths.
    const earlier = new SqliteEventStore(openDatabase(server.databaseFile));
    const metadata = {
      userId: 'earlier',
      correlationId: 'earlier',
      causationId: 'earlier',
      commandId: 'earlier',
      occurredAt: new Date().toISOString(),
    };
    const placed = (orderId: string, totalMinor: number) => ({
      eventId: randomUUID(),
      type: 'OrderPlaced',
      schemaVersion: 2,
      data: {
        orderId,
        customerId: 'cust-old-kwd',
        items: [{ productId: 'p', name: 'P', quantity: 1, unitPriceMinor: totalMinor }],
        currency: 'KWD',
        totalMinor,
        placedAt: metadata.occurredAt,
      },
      metadata: { ...metadata, commandId: randomUUID() },
    });
    try {
      await earlier.append(
        orderStreamId('kwd-old-paid'),
        ORDER_STREAM_TYPE,
        [
          placed('kwd-old-paid', 1000),
          {
            eventId: randomUUID(),
            type: 'PaymentReceived',
            schemaVersion: 1,
            data: { orderId: 'kwd-old-paid', paymentId: 'pay-old', amountMinor: 1000, method: 'card', receivedAt: metadata.occurredAt },
            metadata: { ...metadata, commandId: randomUUID() },
          },
        ],
        { expectedVersion: 'no_stream' },
      );
      await earlier.append(orderStreamId('kwd-old-pending'), ORDER_STREAM_TYPE, [placed('kwd-old-pending', 1234)], {
        expectedVersion: 'no_stream',
      });
    } finally {
      await earlier.close();
    }
    const totalOf = async (id: string) => (await requestData(server.url, GetOrderDocument, { id })).order?.total;
    await until(async () => (await totalOf('kwd-old-pending')) !== undefined);
    expect(await totalOf('kwd-old-paid')).toEqual({ amount: '10.000', currency: 'KWD' });
    expect(await totalOf('kwd-old-pending')).toEqual({ amount: '12.340', currency: 'KWD' });
    const { orderHistory } = await requestData(server.url, OrderHistoryDocument, { id: 'kwd-old-paid' });
    expect(orderHistory.map((event) => [event.schemaVersion, (event.data as { scale: number }).scale])).toEqual([
      [4, 2],
      [2, 2],
    ]);

    // Paid today, in the order's currency as it is kept now.
    const paid = await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: 'kwd-old-pending', paymentId: 'pay-old-2', amount: '12.34', method: 'card' },
    });
    expect(paid.receivePayment.status).toBe('PAID');

    const figures = async () => ({
      spend: (await requestData(server.url, CustomerSummaryDocument, { id: 'cust-old-kwd', currency: 'KWD' })).customer?.lifetimeSpendIn,
      revenue: (await requestData(server.url, DashboardDocument, { currency: 'KWD' })).dashboard.revenue,
    });
    await until(async () => (await figures()).spend?.amount === '22.340');
    const live = await figures();
    expect(live).toEqual({ spend: { amount: '22.340', currency: 'KWD' }, revenue: { amount: '24.808', currency: 'KWD' } });
    for (const name of ['customerSummary', 'dashboard', 'orderView']) await requestData(server.url, RebuildProjectionDocument, { name });
    await until(async () => JSON.stringify(await figures()) === JSON.stringify(live));
    expect(await totalOf('kwd-old-pending')).toEqual({ amount: '12.340', currency: 'KWD' });
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A read model being rebuilt may answer SERVICE_UNAVAILABLE meanwhile: not yet.
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
