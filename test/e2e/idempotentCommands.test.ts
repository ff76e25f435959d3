import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  GetOrderDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { countEvents } from '../support/eventLog.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Mutations with a commandId (idempotency key)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should create one order when the same placeOrder is sent 20 times at once, and answer all 20 alike', async () => {
    const input = referenceOrder({ orderId: 'idem-1', commandId: 'place-idem-1' });
    const before = countEvents(server.databaseFile);

    const answers = await Promise.all(Array.from({ length: 20 }, () => request(server.url, PlaceOrderDocument, { input })));

    expect(answers.map((answer) => answer.errors)).toEqual(Array(20).fill(undefined));
    const orders = answers.map((answer) => answer.data!.placeOrder);
    for (const order of orders) expect(order).toEqual(orders[0]);
    expect(orders[0]).toMatchObject({ id: 'idem-1', status: 'PENDING', version: 1, total: { amount: '109.97' } });
    expect(countEvents(server.databaseFile)).toBe(before + 1);
  });

  it('should give the original order id when a placeOrder without an order id is retried', async () => {
    const input = referenceOrder({ commandId: 'place-without-id' });
    const first = await requestData(server.url, PlaceOrderDocument, { input });
    const before = countEvents(server.databaseFile);

    const retried = await requestData(server.url, PlaceOrderDocument, { input });

    expect(retried.placeOrder).toEqual(first.placeOrder);
    expect(countEvents(server.databaseFile)).toBe(before);
  });

  it('should refuse the same commandId with other input with CONFLICT, and write nothing', async () => {
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'idem-2', commandId: 'place-idem-2' }) });
    const before = countEvents(server.databaseFile);

    const reused = await request(server.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId: 'idem-2', commandId: 'place-idem-2', customerId: 'someone-else' }),
    });
    const otherMutation = await request(server.url, CancelOrderDocument, {
      input: { orderId: 'idem-2', reason: 'changed my mind', commandId: 'place-idem-2' },
    });

    for (const answer of [reused, otherMutation]) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(answer.errors?.[0]?.message).toMatch(/commandId place-idem-2 was already used for a different command/);
    }
    expect(countEvents(server.databaseFile)).toBe(before);
    const { order } = await requestData(server.url, GetOrderDocument, { id: 'idem-2' });
    expect(order).toMatchObject({ status: 'PENDING', customerId: 'cust-1' });
  });

  it('should answer a retried payment with the order as the payment left it, after the order moved on', async () => {
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'idem-3' }) });
    const pay = { orderId: 'idem-3', paymentId: 'pay-3', amount: '109.97', method: 'card', commandId: 'pay-idem-3' };
    const paid = await requestData(server.url, ReceivePaymentDocument, { input: pay });
    await requestData(server.url, ShipOrderDocument, { input: { orderId: 'idem-3', trackingNumber: 'T-3', carrier: 'UPS' } });
    const before = countEvents(server.databaseFile);

    const retried = await request(server.url, ReceivePaymentDocument, { input: pay });

    expect(retried.errors).toBeUndefined();
    expect(retried.data!.receivePayment).toEqual(paid.receivePayment);
    expect(retried.data!.receivePayment).toMatchObject({ status: 'PAID', version: 2 });
    expect(countEvents(server.databaseFile)).toBe(before);
  });

  it('should return the original result for a retry whose expectedVersion is now stale', async () => {
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'idem-4' }) });
    const cancel = { orderId: 'idem-4', reason: 'duplicate order', expectedVersion: 1, commandId: 'cancel-idem-4' };
    const first = await requestData(server.url, CancelOrderDocument, { input: cancel });

    const retried = await request(server.url, CancelOrderDocument, { input: cancel });

    expect(retried.errors).toBeUndefined();
    expect(retried.data!.cancelOrder).toEqual(first.cancelOrder);
  });

  it('should refuse a commandId that is too long or has other characters with BAD_USER_INPUT', async () => {
    const before = countEvents(server.databaseFile);
    for (const commandId of ['x'.repeat(129), 'has space', '']) {
      const answer = await request(server.url, PlaceOrderDocument, { input: referenceOrder({ commandId }) });
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'commandId' });
    }
    expect(countEvents(server.databaseFile)).toBe(before);
  });

  it('should remember commandIds across a restart', async () => {
    const input = referenceOrder({ orderId: 'idem-5', commandId: 'place-idem-5' });
    const first = await requestData(server.url, PlaceOrderDocument, { input });
    const { databaseFile } = server;
    await server.dispose({ keepFiles: true });
    server = await startTestServer({ databaseFile });
    const before = countEvents(databaseFile);

    const retried = await requestData(server.url, PlaceOrderDocument, { input });

    expect(retried.placeOrder).toEqual(first.placeOrder);
    expect(countEvents(databaseFile)).toBe(before);
  });
});
