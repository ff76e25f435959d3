import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allHeld, availableOf, type InventoryEvent, inventoryDecider, productStreamId } from '../../src/domain/inventory/index.js';
import { GetOrderDocument, PlaceOrderDocument } from '../generated/graphql.js';
import { bearer } from '../support/auth.js';
import { request, requestData } from '../support/graphqlClient.js';
import { settled } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

const ORDERS = 200;
const STOCK = 100;
const CONNECTIONS = 50;

describe('A sale: every order holds the same product', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const now = new Date().toISOString();
    const price = { amountMinor: 1000, currency: 'USD' };
    await server.services.inventory.execute(
      { type: 'AddProduct', data: { productId: 'hot', name: 'Hot', quantity: STOCK, price, now } },
      { userId: 'admin', correlationId: 'stock-setup' },
    );
    await settled(server.url);
  });
  afterAll(() => server.dispose());

  it(`should reserve exactly ${STOCK} of ${ORDERS} one-unit orders at ${CONNECTIONS} connections, cancel the rest "out of stock", and answer every client`, async () => {
    const customers = Array.from({ length: ORDERS }, (_, index) => `sale-${index}`);
    const answers: Awaited<ReturnType<typeof request<unknown, unknown>>>[] = [];
    const placed: string[] = [];
    // CONNECTIONS clients, each placing its share of the orders one after another.
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < customers.length) {
          const customerId = customers[next++]!;
          const input = { customerId, items: [{ productId: 'hot', name: 'Hot', quantity: 1, unitPrice: '10.00' }] };
          const answer = await request(
            server.url,
            PlaceOrderDocument,
            { input },
            { authorization: await bearer({ role: 'customer', customerId }) },
          );
          answers.push(answer);
          if (answer.data) placed.push(answer.data.placeOrder.id);
        }
      }),
    );
    expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    expect(placed).toHaveLength(ORDERS);

    await settled(server.url, 60_000);

    const events = await server.services.store.readStream(productStreamId('hot'));
    const product = events.reduce(
      (state, event) => inventoryDecider.evolve(state, event as unknown as InventoryEvent),
      inventoryDecider.initialState(),
    );
    if (product.status !== 'Active') throw new Error('no product hot');
    expect(product.reservedTotal).toBe(STOCK);
    expect(availableOf(product)).toBe(0);
    expect(Object.keys(allHeld(product.reserved))).toHaveLength(STOCK);
    // Each order decided once: one reservation or one rejection, never both, never twice.
    const decisions = events.filter((event) => event.type === 'StockReserved' || event.type === 'StockReservationRejected');
    expect(decisions).toHaveLength(ORDERS);
    expect(new Set(decisions.map((event) => (event.data as { orderId: string }).orderId)).size).toBe(ORDERS);

    const admin = { authorization: await bearer({ role: 'admin' }) };
    const orders = await Promise.all(placed.map(async (id) => (await requestData(server.url, GetOrderDocument, { id }, admin)).order!));
    const held = new Set(Object.keys(allHeld(product.reserved)));
    for (const order of orders) {
      if (held.has(order.id)) expect(order.status).toBe('PENDING');
      else expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'out of stock: hot' });
    }
    expect(orders.filter((order) => order.status === 'CANCELLED')).toHaveLength(ORDERS - STOCK);
  });
});
