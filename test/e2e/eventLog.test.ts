import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manualClock.js';
import { EventsDocument, OrderAtDocument, PlaceOrderDocument, ReceivePaymentDocument, ShipOrderDocument } from '../generated/graphql.js';
import { request, requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Queries that read the event log', () => {
  let server: TestServer;
  let orderId: string;
  /** The time of each of the order's events, as the log records them. */
  let times: { placed: string; paid: string; shipped: string };

  beforeAll(async () => {
    // Commands take their time from this clock: moved on between events, so that they get distinct times.
    const clock = new ManualClock();
    server = await startTestServer({ config: { clock } });
    const headers = { 'x-correlation-id': 'log-test' };
    const placed = (await requestData(server.url, PlaceOrderDocument, { input: referenceOrder() }, headers)).placeOrder;
    orderId = placed.id;
    await clock.advance(1_000);
    const paid = (
      await requestData(
        server.url,
        ReceivePaymentDocument,
        {
          input: { orderId, paymentId: 'pay-tt', amount: '109.97', method: 'card' },
        },
        headers,
      )
    ).receivePayment;
    await clock.advance(1_000);
    await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'someone-else' }) });
    const shipped = (
      await requestData(server.url, ShipOrderDocument, { input: { orderId, trackingNumber: 'TT-1', carrier: 'UPS' } }, headers)
    ).shipOrder;
    times = { placed: placed.updatedAt, paid: paid.updatedAt, shipped: shipped.updatedAt };
  });
  afterAll(() => server.dispose());

  describe('orderAt', () => {
    const at = async (variables: { asOf?: string; version?: number }) =>
      (await requestData(server.url, OrderAtDocument, { id: orderId, ...variables })).orderAt;

    it('should answer null before the order existed', async () => {
      expect(await at({ asOf: new Date(Date.parse(times.placed) - 1).toISOString() })).toBeNull();
      expect(await at({ version: 0 })).toBeNull();
    });

    it('should show the order as it was between its events', async () => {
      expect(await at({ asOf: times.placed })).toMatchObject({ status: 'PENDING', version: 1, paymentId: null });
      expect(await at({ asOf: new Date(Date.parse(times.paid) - 1).toISOString() })).toMatchObject({ status: 'PENDING', version: 1 });
      expect(await at({ version: 2 })).toMatchObject({ status: 'PAID', version: 2, paymentId: 'pay-tt', trackingNumber: null });
      expect(await at({ asOf: times.paid, version: 1 })).toMatchObject({ status: 'PENDING', version: 1 });
    });

    it('should show the current order after its last event', async () => {
      expect(await at({ asOf: new Date(Date.parse(times.shipped) + 60_000).toISOString() })).toMatchObject({
        status: 'SHIPPED',
        version: 3,
        trackingNumber: 'TT-1',
        total: { amount: '109.97' },
      });
      expect(await at({})).toMatchObject({ status: 'SHIPPED', version: 3 });
    });

    it('should refuse a negative version and an unknown order answers null', async () => {
      const negative = await request(server.url, OrderAtDocument, { id: orderId, version: -1 });
      expect(negative.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'version' });
      expect((await requestData(server.url, OrderAtDocument, { id: 'no-such-order' })).orderAt).toBeNull();
    });
  });

  describe('events', () => {
    it('should page through the whole log in position order', async () => {
      const positions: number[] = [];
      let after = 0;
      for (let page = 0; page < 10; page++) {
        const { events } = await requestData(server.url, EventsDocument, { after, first: 2 });
        positions.push(...events.nodes.map((event) => event.position));
        after = events.endPosition;
        if (!events.hasNextPage) break;
      }
      expect(positions).toEqual([1, 2, 3, 4]);
    });

    it("should narrow the feed to some types and to one order's events", async () => {
      const { events: shipped } = await requestData(server.url, EventsDocument, { types: ['OrderShipped', 'PaymentReceived'] });
      expect(shipped.nodes.map((event) => event.type)).toEqual(['PaymentReceived', 'OrderShipped']);
      expect(shipped.nodes[0]).toMatchObject({ streamId: `order-${orderId}`, streamType: 'Order', correlationId: 'log-test' });

      const { events: ofOrder } = await requestData(server.url, EventsDocument, { streamId: orderId });
      expect(ofOrder.nodes.map((event) => [event.type, event.version])).toEqual([
        ['OrderPlaced', 1],
        ['PaymentReceived', 2],
        ['OrderShipped', 3],
      ]);
      expect(ofOrder.hasNextPage).toBe(false);
    });

    it('should refuse a page size out of range', async () => {
      const response = await request(server.url, EventsDocument, { first: 0 });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });
});
