import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddProductDocument, GetOrderDocument, PlaceOrderDocument, ReceivePaymentDocument } from '../generated/graphql.js';
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
});
