import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderHistoryDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { bearer } from '../support/auth.js';
import { request, requestData } from '../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Order service over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // The customer orders from the catalog: Widget and Gadget at the reference prices.
    await addReferenceProducts(server.url);
  });
  afterAll(() => server.dispose());

  it('should run the reference scenario: place, pay, ship', async () => {
    // The customer places, the payment provider (a staff service token) records the payment, staff ships. Events record who did each.
    const headers = { 'x-correlation-id': 'demo-correlation-1', authorization: await bearer({ role: 'customer', customerId: 'cust-1' }) };
    const paymentProvider = {
      'x-correlation-id': 'demo-correlation-1',
      authorization: await bearer({ role: 'staff', sub: 'payment-provider' }),
    };
    const staff = { 'x-correlation-id': 'demo-correlation-1', authorization: await bearer({ role: 'staff', sub: 'staff-7' }) };
    const placed = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'order-001' }) }, headers);
    expect(placed.placeOrder).toMatchObject({
      id: 'order-001',
      customerId: 'cust-1',
      status: 'PENDING',
      itemCount: 3,
      total: { amount: '109.97', currency: 'USD' },
      version: 1,
    });
    expect(placed.placeOrder.items.map((item) => item.lineTotal.amount)).toEqual(['59.98', '49.99']);

    const paid = await requestData(
      server.url,
      ReceivePaymentDocument,
      { input: { orderId: 'order-001', paymentId: 'pay-001', amount: '109.97', method: 'credit_card' } },
      paymentProvider,
    );
    expect(paid.receivePayment).toMatchObject({ status: 'PAID', paymentId: 'pay-001', paymentMethod: 'credit_card', version: 2 });

    const shipped = await requestData(
      server.url,
      ShipOrderDocument,
      { input: { orderId: 'order-001', trackingNumber: '1Z999AA10123456784', carrier: 'UPS', estimatedDelivery: '2025-01-15' } },
      staff,
    );
    expect(shipped.shipOrder).toMatchObject({
      status: 'SHIPPED',
      trackingNumber: '1Z999AA10123456784',
      carrier: 'UPS',
      estimatedDelivery: '2025-01-15',
      version: 3,
    });

    const { order } = await requestData(server.url, GetOrderDocument, { id: 'order-001' });
    expect(order).toMatchObject({ status: 'SHIPPED', version: 3, total: { amount: '109.97' } });
    expect(order!.history.map((event) => [event.type, event.version])).toEqual([
      ['OrderPlaced', 1],
      ['PaymentReceived', 2],
      ['OrderShipped', 3],
    ]);
    expect(order!.history.map((event) => event.schemaVersion)).toEqual([4, 2, 1]);
    expect(order!.history.map((event) => event.userId)).toEqual(['user-cust-1', 'payment-provider', 'staff-7']);
    for (const event of order!.history) {
      expect(event).toMatchObject({ correlationId: 'demo-correlation-1' });
      expect(event.causationId).toBe(event.commandId);
      expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    }
    const positions = order!.history.map((event) => event.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(order!.position).toBe(positions.at(-1));
    expect(order!.history[1]!.data).toMatchObject({ amountMinor: 10997, paymentId: 'pay-001' });

    const { orderHistory } = await requestData(server.url, OrderHistoryDocument, { id: 'order-001' });
    expect(orderHistory).toEqual(order!.history);
  });

  it('should total prices sent as JSON numbers exactly', async () => {
    const input = referenceOrder();
    const withNumbers = {
      ...input,
      items: input.items.map((item) => ({ ...item, unitPrice: Number(item.unitPrice) as unknown as string })),
    };
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: withNumbers });
    expect(placeOrder.total.amount).toBe('109.97');
    expect(placeOrder.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should refund what was paid when a paid order is cancelled, and nothing for a pending one', async () => {
    const { placeOrder: pending } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const { cancelOrder: cancelledPending } = await requestData(server.url, CancelOrderDocument, {
      input: { orderId: pending.id, reason: 'changed my mind' },
    });
    expect(cancelledPending).toMatchObject({ status: 'CANCELLED', cancellationReason: 'changed my mind', refund: { amount: '0.00' } });

    const { placeOrder: toPay } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: toPay.id, paymentId: 'pay-2', amount: '109.97', method: 'paypal', expectedVersion: 1 },
    });
    const { cancelOrder } = await requestData(server.url, CancelOrderDocument, {
      input: { orderId: toPay.id, reason: 'out of stock', expectedVersion: 2 },
    });
    expect(cancelOrder).toMatchObject({ status: 'CANCELLED', version: 3, refund: { amount: '109.97', currency: 'USD' } });
  });

  it('should refuse a stale expectedVersion with CONFLICT carrying both versions', async () => {
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const stale = await request(server.url, CancelOrderDocument, {
      input: { orderId: placeOrder.id, reason: 'late', expectedVersion: 0 },
    });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', expectedVersion: 0, actualVersion: 1 });
    const { order } = await requestData(server.url, GetOrderDocument, { id: placeOrder.id });
    expect(order).toMatchObject({ status: 'PENDING', version: 1 });
  });

  it('should page through orders newest first, filtered by customer and status', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-pages' }) });
      ids.push(placeOrder.id);
    }
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-other' }) });
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: ids[0]!, paymentId: 'pay-pages', amount: '109.97', method: 'card' },
    });

    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { orders } = await requestData(server.url, ListOrdersDocument, { customerId: 'cust-pages', first: 2, after });
      expect(orders.totalCount).toBe(5);
      // Relay's PageInfo: the page's first and last cursors, and whether a page came before this one.
      expect(orders.pageInfo).toMatchObject({
        hasPreviousPage: after !== undefined,
        startCursor: orders.edges[0]!.cursor,
        endCursor: orders.edges.at(-1)!.cursor,
      });
      seen.push(...orders.edges.map((edge) => edge.node.id));
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    const { orders: paid } = await requestData(server.url, ListOrdersDocument, { customerId: 'cust-pages', status: 'PAID' });
    expect(paid.edges.map((edge) => edge.node.id)).toEqual([ids[0]]);
    expect(paid.totalCount).toBe(1);
  });

  it('should answer null for an unknown order and NOT_FOUND for its history', async () => {
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'no-such-order' });
    expect(order).toBeNull();
    const history = await request(server.url, OrderHistoryDocument, { id: 'no-such-order' });
    expect(history.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
