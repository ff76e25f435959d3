import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OrdersChangedDocument,
  OrderUpdatedDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Order subscriptions over graphql-ws', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should send the current order, then each change in version order', async () => {
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const updates = subscribe(wsClient(server.wsUrl), OrderUpdatedDocument, { id: placeOrder.id });

    const first = await updates.next();
    expect(first.value.data.orderUpdated).toMatchObject({ id: placeOrder.id, status: 'PENDING', version: 1 });

    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: placeOrder.id, paymentId: 'pay-ws', amount: '109.97', method: 'card' },
    });
    await requestData(server.url, ShipOrderDocument, { input: { orderId: placeOrder.id, trackingNumber: 'T', carrier: 'UPS' } });

    const second = await updates.next();
    const third = await updates.next();
    const seen = [first, second, third].map(({ value }) => [value.data.orderUpdated.status, value.data.orderUpdated.version]);
    expect(seen).toEqual([
      ['PENDING', 1],
      ['PAID', 2],
      ['SHIPPED', 3],
    ]);
    const positions = [first, second, third].map(({ value }) => value.data.orderUpdated.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    await updates.return?.();
    await waitForSubscribers(server, 0); // completing on the client releases the server's buffer
  });

  it('should push only the changed orders that match the filter', async () => {
    await waitForSubscribers(server, 0); // the earlier tests' subscriptions have ended
    const changes = subscribe(wsClient(server.wsUrl), OrdersChangedDocument, { customerId: 'cust-watched' });
    // graphql-ws subscribes on the first next(); wait until the server holds the subscription. Then an
    // order by another customer proves the filter, and the watched customer's order must arrive.
    const firstChange = changes.next();
    await waitForSubscribers(server, 1);
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-ignored' }) });
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-watched' }) });

    const next = await firstChange;
    expect(next.value.data.ordersChanged).toMatchObject({ id: placeOrder.id, customerId: 'cust-watched', status: 'PENDING', version: 1 });
    await changes.return?.();
  });

  it('should answer a subscription to an unknown order with NOT_FOUND', async () => {
    const updates = subscribe(wsClient(server.wsUrl), OrderUpdatedDocument, { id: 'no-such-order' });
    const result = await updates.next().catch((errors: unknown) => ({ value: { errors } }));
    const errors = (result.value as { errors: { extensions?: { code?: string } }[] }).errors;
    expect(errors[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('should give WebSocket clients the same error codes as HTTP clients', async () => {
    const client = wsClient(server.wsUrl);
    const { placeOrder } = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() });
    const shipBeforePay = await firstResult(
      subscribe(client, ShipOrderDocument, { input: { orderId: placeOrder.id, trackingNumber: 'T', carrier: 'UPS' } }),
    );
    expect(shipBeforePay.errors?.[0]?.extensions?.code).toBe('FAILED_PRECONDITION');

    const badPrice = await firstResult(
      subscribe(client, PlaceOrderDocument, {
        input: { ...referenceOrder(), items: [{ productId: 'p', name: 'n', quantity: 1, unitPrice: '0.001' }] },
      }),
    );
    expect(badPrice.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

/** The first result of an operation, whether the server sent it as `next` or as `error`. */
async function firstResult(results: AsyncIterableIterator<{ errors?: { extensions?: Record<string, unknown> }[] }>) {
  try {
    const { value } = await results.next();
    return value;
  } catch (errors) {
    return { errors: errors as { extensions?: Record<string, unknown> }[] };
  } finally {
    await results.return?.();
  }
}

async function waitForSubscribers(server: TestServer, count: number): Promise<void> {
  for (let attempt = 0; attempt < 500 && server.services.orderChanges.subscriberCount !== count; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(server.services.orderChanges.subscriberCount).toBe(count);
}
