import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CancelOrderDocument,
  CustomerSummaryDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderHistoryDocument,
  OrdersChangedDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { bearer, type TestUser } from '../support/auth.js';
import { request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const A: TestUser = { role: 'customer', customerId: 'cust-a' };
const B: TestUser = { role: 'customer', customerId: 'cust-b' };
const STAFF: TestUser = { role: 'staff' };

/** Everything one customer's WebSocket receives, from two subscriptions: all changes, and the other customer's. */
class Listener {
  readonly received: unknown[] = [];
  private client!: Client;
  private waiting: { count: number; resolve: () => void } | undefined;

  async open(server: TestServer, user: TestUser, otherCustomerId: string): Promise<void> {
    const authorization = await bearer(user);
    this.client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization }, retryAttempts: 0 });
    for (const variables of [{}, { customerId: otherCustomerId }]) {
      this.client.subscribe(
        { query: print(OrdersChangedDocument), variables },
        {
          next: (message) => {
            this.received.push(message);
            if (this.waiting && this.received.length >= this.waiting.count) this.waiting.resolve();
          },
          error: (error) => this.received.push({ error }),
          complete: () => {},
        },
      );
    }
  }

  until(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => (this.waiting = { count, resolve }));
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

describe("No response or subscription message to one customer contains another's data", () => {
  let server: TestServer;
  const listeners = { a: new Listener(), b: new Listener() };
  const as = async (user: TestUser) => ({ authorization: await bearer(user) });

  beforeAll(async () => {
    // The probes below place orders until a subscription answers, however many that takes: more
    // pending orders than the default cap lets a customer hold, under load.
    server = await startTestServer({ config: { maxPendingOrders: 1_000 } });
    // Customers order from the catalog: the reference order's products.
    await addReferenceProducts(server.url);
    await listeners.a.open(server, A, 'cust-b');
    await listeners.b.open(server, B, 'cust-a');
  });
  afterAll(async () => {
    await listeners.a.close();
    await listeners.b.close();
    await server.dispose();
  });

  it('should keep every message and answer within its customer over a mixed run', async () => {
    // Probes: own orders placed until one arrives prove each customer's subscriptions are live.
    const ordersOfA: string[] = [];
    const ordersOfB: string[] = [];
    for (const [listener, user, customerId, orders] of [
      [listeners.a, A, 'cust-a', ordersOfA],
      [listeners.b, B, 'cust-b', ordersOfB],
    ] as const) {
      while (listener.received.length === 0) {
        orders.push(
          (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId }) }, await as(user))).placeOrder.id,
        );
        await Promise.race([listener.until(1), new Promise((resolve) => setTimeout(resolve, 100))]); // paces the probes
      }
    }
    // Late probe messages: the subscriptions were live before the last probe, so its message comes, and
    // comes last (in log order).
    for (const [listener, orders] of [
      [listeners.a, ordersOfA],
      [listeners.b, ordersOfB],
    ] as const) {
      await expect.poll(() => JSON.stringify(listener.received), { timeout: 10_000 }).toContain(orders.at(-1)!);
    }
    const base = { a: listeners.a.received.length, b: listeners.b.received.length };

    const place = async (user: TestUser, customerId: string) =>
      (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId }) }, await as(user))).placeOrder.id;
    const paidOfA = await place(A, 'cust-a');
    ordersOfA.push(paidOfA);
    const cancelledOfB = await place(B, 'cust-b');
    ordersOfB.push(cancelledOfB);
    ordersOfB.push(await place({ role: 'admin' }, 'cust-b'));
    await requestData(
      server.url,
      ReceivePaymentDocument,
      { input: { orderId: paidOfA, paymentId: 'pa', amount: '109.97', method: 'card' } },
      await as(STAFF),
    );
    await requestData(server.url, CancelOrderDocument, { input: { orderId: cancelledOfB, reason: 'no' } }, await as(B));
    await requestData(server.url, ShipOrderDocument, { input: { orderId: paidOfA, trackingNumber: 'T', carrier: 'UPS' } }, await as(STAFF));
    ordersOfA.push(await place(A, 'cust-a'));
    ordersOfB.push(await place(B, 'cust-b'));

    // Own changes after the probes: A 4 (placed, paid, shipped, placed); B 4 (placed, placed by admin, cancelled, placed).
    await listeners.a.until(base.a + 4);
    await listeners.b.until(base.b + 4);

    const answers = { a: [] as unknown[], b: [] as unknown[] };
    for (const [me, user, theirs] of [
      ['a', A, ordersOfB],
      ['b', B, ordersOfA],
    ] as const) {
      const headers = await as(user);
      answers[me].push(await request(server.url, ListOrdersDocument, { first: 100 }, headers));
      answers[me].push(await request(server.url, ListOrdersDocument, { customerId: me === 'a' ? 'cust-b' : 'cust-a' }, headers));
      answers[me].push(await request(server.url, CustomerSummaryDocument, { id: me === 'a' ? 'cust-b' : 'cust-a' }, headers));
      // Asking for their orders by id: exactly what a missing order gets (the message repeats the id asked for).
      for (const orderId of theirs) {
        expect(await request(server.url, GetOrderDocument, { id: orderId }, headers)).toEqual({ data: { order: null } });
        const history = await request(server.url, OrderHistoryDocument, { id: orderId }, headers);
        expect(history.errors?.[0]).toMatchObject({ message: `Order ${orderId} does not exist`, extensions: { code: 'NOT_FOUND' } });
        expect(JSON.stringify(history)).not.toContain(me === 'a' ? 'cust-b' : 'cust-a');
      }
    }

    for (const [me, theirs, theirCustomer] of [
      ['a', ordersOfB, 'cust-b'],
      ['b', ordersOfA, 'cust-a'],
    ] as const) {
      const everything = JSON.stringify([...listeners[me].received, ...answers[me]]);
      expect(everything).not.toContain(theirCustomer);
      for (const orderId of theirs) expect(everything).not.toContain(orderId);
      expect(listeners[me].received).toHaveLength(base[me] + 4);
    }
    // And they did get their own.
    expect(JSON.stringify(listeners.a.received)).toContain(ordersOfA.at(-1)!);
    expect(JSON.stringify(answers.a[0])).toContain(ordersOfA.at(-1)!);

    // Replayed from the log (afterPosition 0), the changes are filtered exactly as live ones.
    for (const [user, customerId, mine, theirs, theirCustomer] of [
      [A, 'cust-a', ordersOfA, ordersOfB, 'cust-b'],
      [B, 'cust-b', ordersOfB, ordersOfA, 'cust-a'],
    ] as const) {
      const replay = subscribe(wsClient(server.wsUrl, await as(user)), OrdersChangedDocument, { afterPosition: 0 });
      const probe = await place(user, customerId);
      const replayed: unknown[] = [];
      for (let message = await replay.next(); !JSON.stringify(message.value).includes(probe); message = await replay.next())
        replayed.push(message.value);
      await replay.return?.();
      const everything = JSON.stringify(replayed);
      expect(everything).not.toContain(theirCustomer);
      for (const orderId of theirs) expect(everything).not.toContain(orderId);
      for (const orderId of mine) expect(everything).toContain(orderId);
    }
  });
});
