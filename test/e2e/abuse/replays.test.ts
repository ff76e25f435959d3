import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  EventsDocument,
  OrdersChangedDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
} from '../../generated/graphql.js';
import { bearer, type TestUser } from '../../support/auth.js';
import { placeOrdersDirectly } from '../../support/directAppends.js';
import { requestData, subscribe, wsClient } from '../../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../../support/orders.js';
import { settled } from '../../support/processes.js';
import { parsePrometheusText } from '../../support/prometheus.js';
import { RawGraphQLSocket } from '../../support/rawSocket.js';
import { nextData, waitUntil } from '../../support/subscriptionReading.js';
import { newTempDirectory, startTestServer, type TestServer } from '../../support/startServer.js';

// Each attack is asserted by the work the server did (its /metrics counters), never by timing.

const OTHER_ORDERS = 600;
const MAX_SUBSCRIPTIONS_PER_USER = 40;
const MAX_CONNECTIONS_PER_USER = 3;
const MINE: TestUser = { role: 'customer', customerId: 'cust-mine' };

describe('Replays cost what the caller may see', () => {
  let server: TestServer;
  /** Every event of cust-mine's orders, in position order, as the log holds them. */
  let myEvents: { streamId: string; position: number; version: number }[];

  const metrics = async () => parsePrometheusText(await (await fetch(new URL('/metrics', server.url))).text());
  const replayEventsRead = async () => (await metrics()).value('orderstream_replay_events_read_total') ?? 0;
  const refusals = async (limit: string) => (await metrics()).value('orderstream_websocket_limit_refusals_total', { limit }) ?? 0;
  const as = async (user: TestUser) => ({ authorization: await bearer(user) });
  const place = async (user: TestUser, customerId: string) =>
    (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId }) }, await as(user))).placeOrder.id;

  beforeAll(async () => {
    // Other customers' orders first: a log a full replay would have to read from end to end.
    const databaseFile = join(newTempDirectory(), 'orderstream.db');
    await placeOrdersDirectly(databaseFile, OTHER_ORDERS);
    server = await startTestServer({
      databaseFile,
      config: { maxSubscriptionsPerUser: MAX_SUBSCRIPTIONS_PER_USER, maxConnectionsPerUser: MAX_CONNECTIONS_PER_USER },
    });
    // Customers order from the catalog: the reference order's products.
    await addReferenceProducts(server.url);
    // Mine: placed, paid, cancelled; the events after OrderPlaced do not name the customer.
    const myOrders = [await place(MINE, 'cust-mine'), await place(MINE, 'cust-mine'), await place(MINE, 'cust-mine')];
    const [paid, cancelled] = myOrders;
    // Paid by the payment provider (an admin's token here): customers cannot record payments.
    await requestData(server.url, ReceivePaymentDocument, {
      input: { orderId: paid!, paymentId: 'pay-1', amount: '109.97', method: 'card' },
    });
    await requestData(server.url, CancelOrderDocument, { input: { orderId: cancelled!, reason: 'changed my mind' } }, await as(MINE));
    await settled(server.url);
    myEvents = [];
    for (const streamId of myOrders) myEvents.push(...(await requestData(server.url, EventsDocument, { streamId })).events.nodes);
    myEvents.sort((a, b) => a.position - b.position);
  });
  afterAll(() => server.dispose());

  it("should read only the customer's own events to replay ordersChanged from position 0", async () => {
    const head = await server.services.store.headPosition();
    expect(head).toBeGreaterThan(OTHER_ORDERS);
    const before = await replayEventsRead();

    const replay = subscribe(wsClient(server.wsUrl, await as(MINE)), OrdersChangedDocument, { afterPosition: 0 });
    const received = [];
    while (received.length < myEvents.length) received.push((await nextData(replay)).ordersChanged);
    await replay.return?.();

    expect(received.map(({ id, version, position }) => [`order-${id}`, version, position])).toEqual(
      myEvents.map(({ streamId, version, position }) => [streamId, version, position]),
    );
    expect(received.every((order) => order.customerId === 'cust-mine')).toBe(true);
    // Work done: exactly the customer's events, of a log of more than OTHER_ORDERS.
    expect((await replayEventsRead()) - before).toBe(myEvents.length);
  });

  it("should answer another customer's ordersChanged with nothing, reading nothing", async () => {
    const before = await replayEventsRead();
    const client = wsClient(server.wsUrl, await as(MINE));
    const theirs = subscribe(client, OrdersChangedDocument, { customerId: 'cust-load', afterPosition: 0 });
    const mine = subscribe(client, OrdersChangedDocument, {});
    // graphql-ws's iterate() subscribes on the first next().
    const [theirNext, myNext] = [theirs.next(), mine.next()];
    await waitUntil(() => server.services.orderChanges.subscriberCount >= 2);

    // Theirs first, then mine: once mine arrives, theirs would have had its change already.
    await place({ role: 'admin' }, 'cust-load');
    const myOrder = await place(MINE, 'cust-mine');
    expect((await myNext).value).toMatchObject({ data: { ordersChanged: { id: myOrder, customerId: 'cust-mine' } } });
    const nothing = Symbol('nothing');
    expect(await Promise.race([theirNext, new Promise((resolve) => setImmediate(resolve, nothing))])).toBe(nothing);

    expect((await replayEventsRead()) - before).toBe(0);
    await client.dispose();
  });

  it('should refuse the subscription past the per-user limit, over all its connections, and take the next one', async () => {
    const user: TestUser = { role: 'customer', customerId: 'cust-many' };
    await waitUntil(() => server.services.orderChanges.subscriberCount === 0);
    const subscriberCount = 0;
    const sockets = [await RawGraphQLSocket.open(server.wsUrl, await as(user)), await RawGraphQLSocket.open(server.wsUrl, await as(user))];
    const ordersChanged = JSON.stringify({ query: 'subscription { ordersChanged { id position } }' });
    for (let index = 0; index < MAX_SUBSCRIPTIONS_PER_USER; index++) sockets[index % 2]!.subscribe(`s${index}`, ordersChanged);
    await waitUntil(() => server.services.orderChanges.subscriberCount === subscriberCount + MAX_SUBSCRIPTIONS_PER_USER);
    const refusedBefore = await refusals('subscriptions_per_user');

    sockets[1]!.subscribe('one-too-many', ordersChanged);

    expect(await sockets[1]!.next('one-too-many')).toMatchObject({
      type: 'error',
      payload: [
        {
          message: `This user has ${MAX_SUBSCRIPTIONS_PER_USER} active subscriptions over all its connections, the limit; complete one before starting another`,
          extensions: { code: 'BAD_REQUEST', limit: MAX_SUBSCRIPTIONS_PER_USER },
        },
      ],
    });
    expect(server.services.orderChanges.subscriberCount).toBe(subscriberCount + MAX_SUBSCRIPTIONS_PER_USER);
    expect(await refusals('subscriptions_per_user')).toBe(refusedBefore + 1);

    // One completed on the other connection: the next one runs and gets its change.
    sockets[0]!.complete('s0');
    await waitUntil(() => server.services.orderChanges.subscriberCount === subscriberCount + MAX_SUBSCRIPTIONS_PER_USER - 1);
    sockets[1]!.subscribe('honest', ordersChanged);
    await waitUntil(() => server.services.orderChanges.subscriberCount === subscriberCount + MAX_SUBSCRIPTIONS_PER_USER);
    const orderId = await place(user, 'cust-many');
    expect(await sockets[1]!.next('honest')).toMatchObject({ type: 'next', payload: { data: { ordersChanged: { id: orderId } } } });
    for (const socket of sockets) socket.close();
  });

  it('should close the connection past the per-user limit at connection_init with 4429, and take the next one', async () => {
    // A server of its own, so its connection gauge counts this test's sockets only.
    const own = await startTestServer({ config: { maxConnectionsPerUser: MAX_CONNECTIONS_PER_USER } });
    const gauge = async () => parsePrometheusText(await (await fetch(new URL('/metrics', own.url))).text());
    /** Waits until the server has seen exactly `count` connections open (and the others closed). */
    const connectionsOpen = async (count: number) => {
      while ((await gauge()).value('orderstream_websocket_connections') !== count) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const user: TestUser = { role: 'staff', sub: 'staff-connections' };
    const open = [];
    for (let index = 0; index < MAX_CONNECTIONS_PER_USER; index++) open.push(await RawGraphQLSocket.open(own.wsUrl, await as(user)));

    await expect(RawGraphQLSocket.open(own.wsUrl, await as(user))).rejects.toThrow(
      `Closed before connection_ack: 4429 Too many connections: this user has ${MAX_CONNECTIONS_PER_USER} open, the limit; close one first`,
    );
    expect((await gauge()).value('orderstream_websocket_limit_refusals_total', { limit: 'connections_per_user' })).toBe(1);
    await connectionsOpen(MAX_CONNECTIONS_PER_USER);
    // Another user is not affected.
    const other = await RawGraphQLSocket.open(own.wsUrl, await as({ role: 'staff', sub: 'staff-other' }));
    other.close();
    await connectionsOpen(MAX_CONNECTIONS_PER_USER);

    // One closed, and seen closed by the server: the next connection is taken and works.
    open.pop()!.close();
    await connectionsOpen(MAX_CONNECTIONS_PER_USER - 1);
    const next = await RawGraphQLSocket.open(own.wsUrl, await as(user));
    next.subscribe('honest', JSON.stringify({ query: 'subscription { ordersChanged { id } }' }));
    await waitUntil(() => own.services.orderChanges.subscriberCount === 1);
    const { placeOrder } = await requestData(own.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-next' }) });
    expect(await next.next('honest')).toMatchObject({ type: 'next', payload: { data: { ordersChanged: { id: placeOrder.id } } } });
    for (const socket of [...open, next]) socket.close();
    await own.dispose();
  });

  it('should leave every read model and process live', async () => {
    await settled(server.url);
  });
});
