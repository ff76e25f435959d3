import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  PlaceOrderDocument,
  ProductSalesChangedDocument,
  ReceivePaymentDocument,
  SalesByProductDocument,
} from '../generated/graphql.js';
import { request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

/** NOK is used by this file only, so other tests' sales never count here. */
const CURRENCY = 'NOK';
const utcDay = (iso: string) => new Date(iso).toISOString().slice(0, 10);

describe('Sales by product', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const place = async (items: { productId: string; quantity: number; unitPrice: string }[]) =>
    (
      await requestData(server.url, PlaceOrderDocument, {
        input: referenceOrder({ currency: CURRENCY, items: items.map((item) => ({ ...item, name: item.productId })) }),
      })
    ).placeOrder;
  const pay = async (orderId: string, amount: string) =>
    (await requestData(server.url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount, method: 'card' } }))
      .receivePayment;
  const cancel = async (orderId: string) =>
    (await requestData(server.url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } })).cancelOrder;
  const sales = async (day: string, productIds?: string[], first?: number) =>
    (await requestData(server.url, SalesByProductDocument, { from: day, to: day, currency: CURRENCY, productIds, first })).salesByProduct;

  it('should count units and revenue on the day of payment, take back a paid order cancelled, and push each change live', async () => {
    const client = wsClient(server.wsUrl);
    const changes = subscribe(client, ProductSalesChangedDocument, { productId: 's-widget', currency: CURRENCY });
    // Today's figures first: the subscription is attached from then on.
    expect((await changes.next()).value?.data?.productSalesChanged).toMatchObject({
      productId: 's-widget',
      unitsSold: 0,
      revenue: { amount: '0.00', currency: CURRENCY },
    });
    const first = await place([
      { productId: 's-widget', quantity: 2, unitPrice: '29.99' },
      { productId: 's-gadget', quantity: 1, unitPrice: '49.99' },
    ]);
    const paid = await pay(first.id, '109.97');
    const day = utcDay(paid.updatedAt);
    expect((await changes.next()).value?.data?.productSalesChanged).toEqual({
      productId: 's-widget',
      date: day,
      unitsSold: 2,
      revenue: { amount: '59.98', currency: CURRENCY },
    });

    // Paid, then cancelled: counted, then taken back. Pending orders, cancelled or not, never count.
    const returned = await place([{ productId: 's-widget', quantity: 1, unitPrice: '29.99' }]);
    await pay(returned.id, '29.99');
    expect((await changes.next()).value?.data?.productSalesChanged).toMatchObject({ unitsSold: 3, revenue: { amount: '89.97' } });
    const cancelled = await cancel(returned.id);
    expect((await changes.next()).value?.data?.productSalesChanged).toMatchObject({ unitsSold: 2, revenue: { amount: '59.98' } });
    await place([{ productId: 's-widget', quantity: 5, unitPrice: '29.99' }]);
    await cancel((await place([{ productId: 's-widget', quantity: 7, unitPrice: '29.99' }])).id);

    // The cancellation may fall on the next UTC day than the payment: then each day holds its own part.
    const days = [...new Set([day, utcDay(cancelled.updatedAt)])];
    const rows = (await Promise.all(days.map((each) => sales(each)))).flat();
    const total = (productId: string) => rows.filter((row) => row.productId === productId).reduce((sum, row) => sum + row.unitsSold, 0);
    expect(total('s-widget')).toBe(2);
    expect(total('s-gadget')).toBe(1);
    expect(await sales(day, ['s-gadget'])).toEqual([
      { productId: 's-gadget', date: day, unitsSold: 1, revenue: { amount: '49.99', currency: CURRENCY } },
    ]);
    expect(await sales(day, undefined, 1)).toHaveLength(1);
    await changes.return?.();
  });

  it('should refuse from after to, a bad currency, a bad first and too many products with BAD_USER_INPUT', async () => {
    const cases = [
      { variables: { from: '2025-01-11', to: '2025-01-10' }, field: 'from' },
      { variables: { from: '2025-01-10', to: '2025-01-10', currency: 'nok' }, field: 'currency' },
      { variables: { from: '2025-01-10', to: '2025-01-10', first: 0 }, field: 'first' },
      { variables: { from: '2025-01-10', to: '2025-01-10', first: 1001 }, field: 'first' },
      {
        variables: { from: '2025-01-10', to: '2025-01-10', productIds: Array.from({ length: 101 }, (_, i) => `p-${i}`) },
        field: 'productIds',
      },
    ];
    for (const { variables, field } of cases) {
      const response = await request(server.url, SalesByProductDocument, variables);
      expect(response.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});
