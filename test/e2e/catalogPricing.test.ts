import type { GraphQLFormattedError } from 'graphql';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestUser } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { request, requestData } from '../support/graphqlClient.js';
import { settled } from '../support/processes.js';
import { RawGraphQLSocket } from '../support/rawSocket.js';
import { startTestServer, type TestServer } from '../support/startServer.js';
import {
  AddProductDocument,
  CancelOrderDocument,
  ChangePriceDocument,
  type PlaceOrderInput,
  PlaceOrderDocument,
  type PlaceOrderMutation,
} from '../generated/graphql.js';

const MAX_PENDING = 3;
const STAFF: TestUser = { role: 'staff' };
const customer = (customerId: string): TestUser => ({ role: 'customer', customerId });
type Answer = { data?: PlaceOrderMutation | null; errors?: readonly GraphQLFormattedError[] };
type Transport = 'http' | 'ws';

describe("Customers' orders priced by the catalog", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPendingOrders: MAX_PENDING } });
    const add = (productId: string, unitPrice?: string) =>
      requestData(server.url, AddProductDocument, {
        input: { productId, name: productId, quantity: 1_000_000, ...(unitPrice && { unitPrice, currency: 'USD' }) },
      });
    await add('desk', '29.99');
    await add('chair', '49.99');
    await add('old-lamp');
  });
  afterAll(() => server.dispose());

  /** The log's size once the order process has reserved stock for every order so far. */
  async function eventsNow(): Promise<number> {
    await settled(server.url);
    return countEvents(server.databaseFile);
  }

  /** Places an order as `user` over `transport`. */
  async function place(transport: Transport, user: TestUser, input: PlaceOrderInput): Promise<Answer> {
    const authorization = await bearer(user);
    if (transport === 'http') return request(server.url, PlaceOrderDocument, { input }, { authorization });
    const socket = await RawGraphQLSocket.open(server.wsUrl, { authorization });
    socket.subscribe('1', JSON.stringify({ query: print(PlaceOrderDocument), variables: { input } }));
    const message = await socket.next('1');
    socket.close();
    if (message?.type === 'next') return message.payload as Answer;
    if (message?.type === 'error') return { errors: message.payload };
    throw new Error(`No answer: ${JSON.stringify(message)}`);
  }

  const lines = (...items: [productId: string, quantity: number, unitPrice?: string][]) =>
    items.map(([productId, quantity, unitPrice]) => ({
      productId,
      name: productId,
      quantity,
      ...(unitPrice !== undefined && { unitPrice }),
    }));

  for (const transport of ['http', 'ws'] as const) {
    describe(`over ${transport}`, () => {
      it('should price lines without a price from the catalog', async () => {
        const answer = await place(transport, customer(`c-${transport}-1`), {
          customerId: `c-${transport}-1`,
          items: lines(['desk', 2], ['chair', 1, '49.99']),
        });
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.placeOrder.items.map((item) => item.unitPrice.amount)).toEqual(['29.99', '49.99']);
        expect(answer.data!.placeOrder.total).toEqual({ amount: '109.97', currency: 'USD' });
      });

      it('should refuse a price other than the current one with FAILED_PRECONDITION naming it, and write nothing', async () => {
        const before = await eventsNow();
        const answer = await place(transport, customer(`c-${transport}-2`), {
          customerId: `c-${transport}-2`,
          items: lines(['desk', 1, '0.01']),
        });
        expect(answer.data ?? null).toBeNull();
        expect(answer.errors?.[0]).toMatchObject({
          message: "items[0]: product desk costs 29.99 USD now, not 0.01; send the current price, or none to pay the catalog's",
          extensions: { code: 'FAILED_PRECONDITION', field: 'items[0].unitPrice', productId: 'desk', unitPrice: '29.99', currency: 'USD' },
        });
        expect(await eventsNow()).toBe(before);
      });

      it('should refuse a product outside the catalog (NOT_FOUND) and an unpriced one (FAILED_PRECONDITION), writing nothing', async () => {
        const before = await eventsNow();
        const ghost = await place(transport, customer(`c-${transport}-3`), {
          customerId: `c-${transport}-3`,
          items: lines(['ghost', 1, '1.00']),
        });
        expect(ghost.errors?.[0]).toMatchObject({ message: 'Product ghost is not in the catalog', extensions: { code: 'NOT_FOUND' } });
        const unpriced = await place(transport, customer(`c-${transport}-3`), {
          customerId: `c-${transport}-3`,
          items: lines(['old-lamp', 1]),
        });
        expect(unpriced.errors?.[0]).toMatchObject({
          message: 'Product old-lamp has no price yet, so it cannot be ordered',
          extensions: { code: 'FAILED_PRECONDITION' },
        });
        expect(await eventsNow()).toBe(before);
      });

      it('should let staff place an order at prices of its own, for a product outside the catalog too', async () => {
        const answer = await place(transport, STAFF, {
          customerId: `c-${transport}-4`,
          items: lines(['ghost', 2, '5.00'], ['desk', 1, '10.00'], ['chair', 1]),
        });
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.placeOrder.items.map((item) => item.unitPrice.amount)).toEqual(['5.00', '10.00', '49.99']);
      });
    });
  }

  it('should price by the price in force: the old price is refused after a change, the new one taken', async () => {
    const changed = await requestData(server.url, ChangePriceDocument, {
      input: { productId: 'chair', unitPrice: '59.99', currency: 'USD' },
    });
    expect(changed.changePrice.price).toEqual({ amount: '59.99', currency: 'USD' });
    const stale = await place('http', customer('c-5'), { customerId: 'c-5', items: lines(['chair', 1, '49.99']) });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'FAILED_PRECONDITION', unitPrice: '59.99' });
    const current = await place('http', customer('c-5'), { customerId: 'c-5', items: lines(['chair', 1]) });
    expect(current.data!.placeOrder.total.amount).toBe('59.99');
  });

  describe('a cap on unpaid orders', () => {
    it(`should refuse a customer's order past ${MAX_PENDING} unpaid ones, writing nothing, and take it once one is cancelled`, async () => {
      const user = customer('c-cap');
      const input = (n: number) => ({ customerId: 'c-cap', orderId: `cap-${n}`, items: lines(['desk', 1]) });
      const placed = [];
      for (let n = 0; n < MAX_PENDING; n++) placed.push((await place('http', user, input(n))).data!.placeOrder.id);
      const before = await eventsNow();

      const refused = await place('ws', user, input(MAX_PENDING));
      expect(refused.errors?.[0]).toMatchObject({
        message: `Customer c-cap has ${MAX_PENDING} unpaid orders, the most a customer may hold; pay or cancel one first`,
        extensions: { code: 'FAILED_PRECONDITION', limit: MAX_PENDING, pending: MAX_PENDING },
      });
      expect(await eventsNow()).toBe(before);

      await requestData(
        server.url,
        CancelOrderDocument,
        { input: { orderId: placed[0]!, reason: 'changed my mind' } },
        { authorization: await bearer(user) },
      );
      expect((await place('http', user, input(MAX_PENDING))).errors).toBeUndefined();
    });

    it('should let no concurrent burst slip past the cap, and answer a retry of a placed order as before', async () => {
      const user = customer('c-burst');
      const input = (n: number) => ({ customerId: 'c-burst', orderId: `burst-${n}`, commandId: `burst-${n}`, items: lines(['desk', 1]) });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => place(n % 2 ? 'ws' : 'http', user, input(n))));
      const accepted = answers.filter((answer) => answer.data?.placeOrder);
      expect(accepted).toHaveLength(MAX_PENDING);
      expect(answers.filter((answer) => answer.errors?.[0]?.extensions?.code === 'FAILED_PRECONDITION')).toHaveLength(20 - MAX_PENDING);

      // At the cap, a retry of one that was placed answers as it did the first time.
      const first = accepted[0]!.data!.placeOrder;
      const retried = await place('http', user, input(Number(first.id.replace('burst-', ''))));
      expect(retried.errors).toBeUndefined();
      expect(retried.data!.placeOrder).toEqual(first);
    });

    it('should not cap staff placing orders for a customer', async () => {
      for (let n = 0; n <= MAX_PENDING; n++) {
        const answer = await place('http', STAFF, { customerId: 'c-staff', items: lines(['desk', 1, '29.99']) });
        expect(answer.errors).toBeUndefined();
      }
    });
  });
});
