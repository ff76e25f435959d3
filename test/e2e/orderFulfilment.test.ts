import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allHeld, availableOf, type InventoryEvent, inventoryDecider, productStreamId } from '../../src/domain/inventory/index.js';
import {
  CancelOrderDocument,
  CorrelationDocument,
  GetOrderDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  RebuildProjectionDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { bearer } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { request, requestData } from '../support/graphqlClient.js';
import { settled } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

describe('Inventory reacting to orders (the orderFulfilment process)', () => {
  let server: TestServer;
  const admin = { userId: 'admin', correlationId: 'stock-setup' };

  beforeAll(async () => {
    server = await startTestServer();
    const now = new Date().toISOString();
    // Priced at the orders' 10.00: customers pay catalog prices.
    const price = { amountMinor: 1000, currency: 'USD' };
    for (const [productId, quantity] of [
      ['lamp', 3],
      ['desk', 10],
    ] as const) {
      await server.services.inventory.execute({ type: 'AddProduct', data: { productId, name: productId, quantity, price, now } }, admin);
    }
    // Customers order what the catalog (the product read model) lists: let it catch up.
    await settled(server.url);
  });
  afterAll(() => server.dispose());

  /** The product as its stream folds to, and its events. */
  async function product(productId: string) {
    const events = await server.services.store.readStream(productStreamId(productId));
    const state = events.reduce(
      (current, event) => inventoryDecider.evolve(current, event as unknown as InventoryEvent),
      inventoryDecider.initialState(),
    );
    if (state.status !== 'Active') throw new Error(`no product ${productId}`);
    return { state, available: availableOf(state), events };
  }

  const orderOf = (customerId: string, lines: [string, number][]) => ({
    customerId,
    items: lines.map(([productId, quantity]) => ({ productId, name: productId, quantity, unitPrice: '10.00' })),
  });

  it('should keep exactly one of two concurrent orders for 2 of 3 lamps, and cancel the other "out of stock"', async () => {
    // Placed by a checkout service (staff) for the customers: only staff and admins may order a product
    // the catalog does not list, such as the gift card inventory does not manage.
    const [first, second] = await Promise.all(
      ['cust-a', 'cust-b'].map(async (customerId) =>
        requestData(
          server.url,
          PlaceOrderDocument,
          {
            input: orderOf(customerId, [
              ['lamp', 2],
              ['gift-card', 1],
            ]),
          },
          { authorization: await bearer({ role: 'staff', sub: 'checkout' }), 'x-correlation-id': `buy-${customerId}` },
        ),
      ),
    );
    await settled(server.url);

    const orders = await Promise.all(
      [first!.placeOrder.id, second!.placeOrder.id].map(async (id) => (await requestData(server.url, GetOrderDocument, { id })).order!),
    );
    const kept = orders.filter((order) => order.status === 'PENDING');
    const cancelled = orders.filter((order) => order.status === 'CANCELLED');
    expect(kept).toHaveLength(1);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.cancellationReason).toBe('out of stock: lamp');

    const lamp = await product('lamp');
    expect(lamp.available).toBe(1);
    expect(allHeld(lamp.state.reserved)).toEqual({ [kept[0]!.id]: 2 });
    // The unmanaged gift card was never reserved.
    expect(await server.services.store.readStream(productStreamId('gift-card'))).toEqual([]);
  });

  it('should tell the whole story of a cancelled order by its correlation id, each step caused by the one before', async () => {
    const { placeOrder } = await requestData(
      server.url,
      PlaceOrderDocument,
      {
        input: orderOf('cust-c', [
          ['desk', 4],
          ['lamp', 5],
        ]),
      },
      { authorization: await bearer({ role: 'customer', customerId: 'cust-c' }), 'x-correlation-id': 'story-1' },
    );
    await settled(server.url);

    const { correlation } = await requestData(server.url, CorrelationDocument, { id: 'story-1' });

    // The placement first and the cancellation last; between them each product's steps in order (a
    // batch appends each product's once, so the two products' steps need not interleave).
    const story = correlation.map((event) => [event.type, event.streamId]);
    expect(story[0]).toEqual(['OrderPlaced', `order-${placeOrder.id}`]);
    expect(story.at(-1)).toEqual(['OrderCancelled', `order-${placeOrder.id}`]);
    const stepsOn = (streamId: string) => story.filter(([, stream]) => stream === streamId).map(([type]) => type);
    expect(stepsOn('product-desk')).toEqual(['StockReserved', 'ReservationReleased']);
    expect(stepsOn('product-lamp')).toEqual(['StockReservationRejected']);
    expect(story).toHaveLength(5);
    const placed = correlation[0]!;
    for (const effect of correlation.slice(1)) {
      expect(effect).toMatchObject({ causationId: placed.eventId, userId: 'process:orderFulfilment' });
    }
    expect((await product('desk')).available).toBe(10);
  });

  it('should commit the reservation when the order ships, and release it when a paid order is cancelled', async () => {
    const customer = { authorization: await bearer({ role: 'customer', customerId: 'cust-d' }) };
    const staff = { authorization: await bearer({ role: 'staff' }) };
    const place = async () =>
      (await requestData(server.url, PlaceOrderDocument, { input: orderOf('cust-d', [['desk', 3]]) }, customer)).placeOrder.id;
    const shipped = await place();
    const cancelled = await place();
    for (const orderId of [shipped, cancelled]) {
      // The payment provider (a staff token) records payments, never the customer.
      await requestData(
        server.url,
        ReceivePaymentDocument,
        { input: { orderId, paymentId: `p-${orderId}`, amount: '30.00', method: 'card' } },
        staff,
      );
    }
    await requestData(server.url, ShipOrderDocument, { input: { orderId: shipped, trackingNumber: 'T', carrier: 'UPS' } }, staff);
    await requestData(server.url, CancelOrderDocument, { input: { orderId: cancelled, reason: 'changed mind' } }, staff);
    await settled(server.url);

    const desk = await product('desk');
    expect(desk.state.onHand).toBe(7);
    expect(desk.available).toBe(7);
    // How each order's reservation ended is in the product's stream (its state keeps open ones only).
    const endOf = (orderId: string) =>
      desk.events.filter((event) => (event.data as { orderId?: string }).orderId === orderId).map((event) => event.type);
    expect(endOf(shipped)).toEqual(['StockReserved', 'ReservationCommitted']);
    expect(endOf(cancelled)).toEqual(['StockReserved', 'ReservationReleased']);
    expect(allHeld(desk.state.reserved)).toEqual({});
  });

  it('should not run its commands again when the read models are rebuilt', async () => {
    await settled(server.url);
    const before = countEvents(server.databaseFile);
    const { projections } = await requestData(server.url, ProjectionsDocument, {});
    // The read models only: the processes (orderFulfilment, paymentExpiry) are never rebuilt.
    for (const { name } of projections.filter((status) => !['orderFulfilment', 'paymentExpiry'].includes(status.name))) {
      await requestData(server.url, RebuildProjectionDocument, { name });
    }
    await settled(server.url);

    expect(countEvents(server.databaseFile)).toBe(before);
    const refused = await request(server.url, RebuildProjectionDocument, { name: 'orderFulfilment' });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'FAILED_PRECONDITION' } });
    expect(refused.errors?.[0]?.message).toMatch(/is a process/);
  });
});
