import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  PlaceOrderDocument,
  type PlaceOrderInput,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { ADMIN, bearer } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { type GraphQLResponse, request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Order service given bad input', () => {
  let server: TestServer;
  let pendingId: string;
  let shippedId: string;

  beforeAll(async () => {
    server = await startTestServer();
    pendingId = (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() })).placeOrder.id;
    shippedId = (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() })).placeOrder.id;
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: shippedId, paymentId: 'pay-1', amount: '109.97', method: 'card' },
    });
    await requestData(server.url, ShipOrderDocument, { input: { orderId: shippedId, trackingNumber: 'T1', carrier: 'UPS' } });
  });
  afterAll(() => server.dispose());

  const withItem = (item: Record<string, unknown>): PlaceOrderInput => {
    const order = referenceOrder();
    return { ...order, items: [{ ...order.items[0]!, ...item } as PlaceOrderInput['items'][number]] };
  };

  const cases: { name: string; code: string; message: RegExp; send: () => Promise<GraphQLResponse<unknown>> }[] = [
    {
      name: 'an order without items',
      code: 'BAD_USER_INPUT',
      message: /at least one item/,
      send: () => request(server.url, PlaceOrderDocument, { input: { ...referenceOrder(), items: [] } }),
    },
    ...[0, -1].map((quantity) => ({
      name: `quantity ${quantity}`,
      code: 'BAD_USER_INPUT',
      message: /Quantity must be a positive whole number/,
      send: () => request(server.url, PlaceOrderDocument, { input: withItem({ quantity }) }),
    })),
    {
      name: 'quantity 1.5',
      code: 'BAD_USER_INPUT',
      message: /Int cannot represent non-integer value: 1.5/,
      send: () => request(server.url, PlaceOrderDocument, { input: withItem({ quantity: 1.5 }) }),
    },
    {
      name: 'price -1',
      code: 'BAD_USER_INPUT',
      message: /Unit price must be positive, got -1.00/,
      send: () => request(server.url, PlaceOrderDocument, { input: withItem({ unitPrice: '-1' }) }),
    },
    ...['0.001', 0.001].map((unitPrice) => ({
      name: `price ${JSON.stringify(unitPrice)}`,
      code: 'BAD_USER_INPUT',
      message: /^USD amounts have at most 2 decimals, got 0\.001$/,
      send: () => request(server.url, PlaceOrderDocument, { input: withItem({ unitPrice }) }),
    })),
    ...['abc', '0.00001'].map((unitPrice) => ({
      name: `price ${JSON.stringify(unitPrice)}`,
      code: 'BAD_USER_INPUT',
      message: /Decimal expects an amount with at most 4 fraction digits/,
      send: () => request(server.url, PlaceOrderDocument, { input: withItem({ unitPrice }) }),
    })),
    {
      name: 'a payment that does not match the total',
      code: 'BAD_USER_INPUT',
      message: /Payment of 100.00 USD does not match the order total 109.97 USD/,
      send: () =>
        request(server.url, ReceivePaymentDocument, {
          input: { orderId: pendingId, paymentId: 'p', amount: '100.00', method: 'card' },
        }),
    },
    {
      name: 'shipping before payment',
      code: 'FAILED_PRECONDITION',
      message: /^Order .* is pending; it cannot be shipped$/,
      send: () => request(server.url, ShipOrderDocument, { input: { orderId: pendingId, trackingNumber: 'T', carrier: 'UPS' } }),
    },
    {
      name: 'cancelling after shipping',
      code: 'FAILED_PRECONDITION',
      message: /^Order .* is shipped; it cannot be cancelled$/,
      send: () => request(server.url, CancelOrderDocument, { input: { orderId: shippedId, reason: 'too late' } }),
    },
    {
      name: 'paying an unknown order',
      code: 'NOT_FOUND',
      message: /^Order no-such-order does not exist$/,
      send: () =>
        request(server.url, ReceivePaymentDocument, {
          input: { orderId: 'no-such-order', paymentId: 'p', amount: '1.00', method: 'card' },
        }),
    },
    {
      name: 'placing an order id that exists',
      code: 'CONFLICT',
      message: /exists already/,
      send: () => request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: pendingId }) }),
    },
  ];

  for (const { name, code, message, send } of cases) {
    it(`should refuse ${name} with ${code} and write nothing`, async () => {
      const before = countEvents(server.databaseFile);
      const response = await send();
      expect(response.data ?? null).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]!.extensions?.code).toBe(code);
      expect(response.errors![0]!.message).toMatch(message);
      expect(countEvents(server.databaseFile)).toBe(before);
    });
  }

  it('should answer an invalid query with GRAPHQL_VALIDATION_FAILED and no stack trace', async () => {
    // Signed in: without a token the request is refused before validation (UNAUTHENTICATED).
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await bearer(ADMIN) },
      body: JSON.stringify({ query: '{ order(id: "x") { nope } }' }),
    });
    const body = (await response.json()) as GraphQLResponse<unknown>;
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(body)).not.toMatch(/stacktrace/);
  });
});
