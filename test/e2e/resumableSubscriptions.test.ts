import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelOrderDocument,
  EventFeedDocument,
  EventsDocument,
  OrderEventsDocument,
  OrdersChangedDocument,
  OrderUpdatedDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { settled } from '../support/processes.js';
import { collect, nextData, range, waitUntil } from '../support/subscriptionReading.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

type LogEntry = { position: number; streamId: string; type: string; version: number };

describe('Subscriptions that resume from a position', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  const place = async (orderId: string) =>
    (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId }) })).placeOrder;
  const pay = (orderId: string) =>
    requestData(server.url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount: '109.97', method: 'card' } });
  const ship = (orderId: string) =>
    requestData(server.url, ShipOrderDocument, { input: { orderId, trackingNumber: `T-${orderId}`, carrier: 'UPS' } });
  const cancel = (orderId: string) => requestData(server.url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } });

  /** The log after `after`, read through the events query: what a subscriber should have received. */
  async function logAfter(after: number): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    for (let cursor = after, more = true; more; ) {
      const { events } = await requestData(server.url, EventsDocument, { after: cursor, first: 1000 });
      entries.push(...events.nodes.map(({ position, streamId, type, version }) => ({ position, streamId, type, version })));
      cursor = events.endPosition;
      more = events.hasNextPage;
    }
    return entries;
  }
  const orderChangesAfter = async (after: number) =>
    (await logAfter(after))
      .filter(({ streamId }) => streamId.startsWith('order-'))
      .map(({ streamId, version, position }) => ({ id: streamId.slice('order-'.length), version, position }));

  it('should send ordersChanged exactly the changes missed while disconnected, in order, then live ones', async () => {
    const first = wsClient(server.wsUrl);
    const before = subscribe(first, OrdersChangedDocument, {});
    await waitUntil(() => server.services.orderChanges.subscriberCount >= 1);
    await place('resume-a');
    await pay('resume-a');
    const seen = [await nextData(before), await nextData(before)].map((m) => m.ordersChanged);
    expect(seen.map(({ id, version }) => [id, version])).toEqual([
      ['resume-a', 1],
      ['resume-a', 2],
    ]);
    const lastPosition = seen[1]!.position;
    await first.dispose();

    // While it is away.
    await place('resume-b');
    await pay('resume-b');
    await ship('resume-a');
    await cancel('resume-b');
    const missed = await orderChangesAfter(lastPosition);
    expect(missed.map(({ id, version }) => [id, version])).toEqual([
      ['resume-b', 1],
      ['resume-b', 2],
      ['resume-a', 3],
      ['resume-b', 3],
    ]);

    const after = subscribe(wsClient(server.wsUrl), OrdersChangedDocument, { afterPosition: lastPosition });
    const replayed = [];
    for (let i = 0; i < missed.length; i++) replayed.push((await nextData(after)).ordersChanged);
    expect(replayed.map(({ id, version, position }) => ({ id, version, position }))).toEqual(missed);
    expect(replayed.map(({ status }) => status)).toEqual(['PENDING', 'PAID', 'SHIPPED', 'CANCELLED']);

    // Then live, with nothing repeated at the seam: the next message is the next change.
    await place('resume-c');
    const live = (await nextData(after)).ordersChanged;
    expect(live).toMatchObject({ id: 'resume-c', version: 1 });
    expect(live.position).toBeGreaterThan(replayed.at(-1)!.position);
    await after.return?.();
  });

  it('should send orderUpdated every version after afterVersion, then live ones', async () => {
    await place('resume-v');
    const first = wsClient(server.wsUrl);
    const updates = subscribe(first, OrderUpdatedDocument, { id: 'resume-v' });
    expect((await nextData(updates)).orderUpdated).toMatchObject({ version: 1, status: 'PENDING' });
    await first.dispose();

    await pay('resume-v');
    const resumed = subscribe(wsClient(server.wsUrl), OrderUpdatedDocument, { id: 'resume-v', afterVersion: 1 });
    expect((await nextData(resumed)).orderUpdated).toMatchObject({ version: 2, status: 'PAID' });
    await ship('resume-v');
    expect((await nextData(resumed)).orderUpdated).toMatchObject({ version: 3, status: 'SHIPPED' });
    await resumed.return?.();
  });

  it("should replay an order's events and the filtered event feed from a position, then continue live", async () => {
    const placed = await place('resume-e');
    const trail = subscribe(wsClient(server.wsUrl), OrderEventsDocument, { orderId: 'resume-e', afterPosition: 0 });
    expect((await nextData(trail)).orderEvents).toMatchObject({ type: 'OrderPlaced', version: 1, position: placed.position });

    const shipments = subscribe(wsClient(server.wsUrl), EventFeedDocument, { afterPosition: 0, types: ['OrderShipped'] });
    const shippedSoFar = (await logAfter(0)).filter(({ type }) => type === 'OrderShipped');
    for (const expected of shippedSoFar) expect((await nextData(shipments)).events).toMatchObject(expected);

    await pay('resume-e');
    await ship('resume-e');
    expect((await nextData(trail)).orderEvents).toMatchObject({ type: 'PaymentReceived', version: 2 });
    expect((await nextData(trail)).orderEvents).toMatchObject({ type: 'OrderShipped', version: 3 });
    expect((await nextData(shipments)).events).toMatchObject({ type: 'OrderShipped', streamId: 'order-resume-e' });
    await trail.return?.();
    await shipments.return?.();
  });

  it('should refuse a negative resume point with BAD_USER_INPUT', async () => {
    const refused = subscribe(wsClient(server.wsUrl), EventFeedDocument, { afterPosition: -1 });
    const { value } = await refused.next();
    expect(value.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('should keep positions strictly increasing with no holes when subscribing while a writer appends', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => place(`seam-seed-${i}`)));
    const from = (await logAfter(0)).at(-1)!.position - 15;

    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await place(`seam-${i}`);
        await pay(`seam-${i}`);
        written++;
      }
    })();
    await waitUntil(() => written >= 3);
    // Subscribed in the middle of the writes: the seam between replay and live falls among them.
    const events = collect(subscribe(wsClient(server.wsUrl), EventFeedDocument, { afterPosition: from }), (data) => data.events);
    const orders = collect(subscribe(wsClient(server.wsUrl), OrdersChangedDocument, { afterPosition: from }), (data) => data.ordersChanged);
    // A subscription receives its first (replayed) item only once it listens live: writes after that are live.
    await waitUntil(() => events.items.length > 0 && orders.items.length > 0);
    const writtenWhenLive = written;
    await waitUntil(() => written >= writtenWhenLive + 10);
    writing = false;
    await writer;
    await settled(server.url); // the order process's reactions, too

    const log = await logAfter(from);
    const head = log.at(-1)!.position;
    await waitUntil(() => events.last() >= head && orders.last() >= head);
    expect(log.length).toBeGreaterThan(30);
    expect(events.items.map(({ position }) => position)).toEqual(log.map(({ position }) => position));
    expect(events.items.map(({ position }) => position)).toEqual(range(from + 1, head));
    expect(orders.items.map(({ id, version, position }) => ({ id, version, position }))).toEqual(await orderChangesAfter(from));
    expect(events.errors).toEqual([]);
    expect(orders.errors).toEqual([]);
    await events.stop();
    await orders.stop();
  });
});
