import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manualClock.js';
import { orderStreamId, PAYMENT_NOT_RECEIVED } from '../../src/domain/order/index.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
import {
  AddProductDocument,
  GetOrderDocument,
  GetProductDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
} from '../generated/graphql.js';
import type { TestUser } from '../support/auth.js';
import { bearer } from '../support/auth.js';
import { countEvents } from '../support/eventLog.js';
import { request, requestData } from '../support/graphqlClient.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { settled } from '../support/processes.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';
import { sendAs } from '../support/transports.js';

// Unpaid orders expire after ORDERSTREAM_PAYMENT_TIMEOUT (the default, 30 minutes, here). Every
// server runs on a ManualClock: the tests move time past a deadline instead of sleeping. Orders are
// placed at the wall clock's time (the resolvers' `now`), so each test has a server and a clock of its
// own, started at the wall clock's time: a clock another test moved on would expire them at once.

const TIMEOUT_MS = DEFAULT_CONFIG.paymentTimeoutMs;
const PAYMENT_PROVIDER: TestUser = { role: 'staff', sub: 'payment-provider' };
const PRICE = '10.00';
let sequence = 0;
/** Each order's total as placeOrder answered it: what its payment must be. */
const totals = new Map<string, string>();

describe('Unpaid orders expiring (the paymentExpiry process)', () => {
  let server: TestServer;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock();
    server = await startTestServer({ config: { clock } });
  });
  afterEach(() => server.dispose());

  it('should cancel an unpaid order once when its time is up, release its stock, and refuse a late payment writing nothing', async () => {
    const productId = await addProduct(server, 5);
    const orderId = await placeOrder(server, productId, 2);
    await settled(server.url);
    expect(await product(server, productId)).toMatchObject({ reserved: 2, available: 3 });

    // A minute before its deadline nothing happens.
    await clock.advanceTo(Date.now() + TIMEOUT_MS - 60_000);
    await settled(server.url);
    expect((await order(server, orderId)).status).toBe('PENDING');

    await clock.advanceTo(Date.now() + TIMEOUT_MS + 60_000);
    await settled(server.url);

    expect(await order(server, orderId)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: PAYMENT_NOT_RECEIVED,
      refund: { amount: '0.00', currency: 'USD' },
      version: 2,
    });
    const history = await historyOf(server, orderId);
    expect(history.map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    const [placed, cancelled] = history;
    // At its deadline, from the log: OrderPlaced's time plus the timeout.
    const deadline = new Date(Date.parse((placed!.data as { placedAt: string }).placedAt) + TIMEOUT_MS).toISOString();
    expect(cancelled!.data).toMatchObject({ reason: PAYMENT_NOT_RECEIVED, refundMinor: 0, cancelledAt: deadline });
    expect(cancelled!.metadata).toMatchObject({
      userId: 'process:paymentExpiry',
      correlationId: placed!.metadata.correlationId,
      causationId: placed!.eventId,
      commandId: `${placed!.eventId}:expire`,
    });
    expect(await product(server, productId)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });

    // The payment provider's late confirmation is refused and writes nothing.
    const before = countEvents(server.databaseFile);
    const late = await pay(server, orderId);
    expect(late.errors?.[0]?.extensions?.code).toBe('FAILED_PRECONDITION');
    expect(late.errors?.[0]?.message).toBe(`Order ${orderId} is cancelled; it cannot receive a payment`);
    expect(late.data?.receivePayment ?? null).toBeNull();

    // Time goes on: nothing expires twice.
    await clock.advance(24 * 3_600_000);
    await settled(server.url);
    expect(countEvents(server.databaseFile)).toBe(before);
    expect((await historyOf(server, orderId)).filter((event) => event.type === 'OrderCancelled')).toHaveLength(1);
  });

  it('should leave a paid order alone when its deadline passes', async () => {
    const productId = await addProduct(server, 5);
    const orderId = await placeOrder(server, productId, 1);
    await settled(server.url);
    expect((await pay(server, orderId)).errors).toBeUndefined();

    await clock.advanceTo(Date.now() + TIMEOUT_MS + 60_000);
    await settled(server.url);

    expect(await order(server, orderId)).toMatchObject({ status: 'PAID', version: 2 });
    expect((await historyOf(server, orderId)).map((event) => event.type)).toEqual(['OrderPlaced', 'PaymentReceived']);
    expect(await product(server, productId)).toMatchObject({ reserved: 1, available: 4 });
  });

  it('should end each of 50 orders whose payment races its expiry in exactly one outcome, and never refund', async () => {
    const productId = await addProduct(server, 1_000);
    const orderIds: string[] = [];
    for (let index = 0; index < 50; index++) orderIds.push(await placeOrder(server, productId, 1));
    await settled(server.url);

    // Every payment and the clock passing every deadline, at once; the payments staggered over a few
    // milliseconds so that some come before the expiry, some during, some after.
    const payments = Promise.all(
      orderIds.map(async (orderId, index) => {
        await new Promise((resolve) => setTimeout(resolve, index % 5));
        return pay(server, orderId);
      }),
    );
    const [answers] = await Promise.all([payments, clock.advanceTo(Date.now() + TIMEOUT_MS + 60_000)]);
    await settled(server.url);

    let paid = 0;
    for (const [index, orderId] of orderIds.entries()) {
      const answer = answers[index]!;
      const history = await historyOf(server, orderId);
      const types = history.map((event) => event.type);
      const shown = await order(server, orderId);
      if (answer.errors === undefined) {
        // The payment came first: the expiry was refused as an outcome.
        paid += 1;
        expect(answer.data?.receivePayment).toMatchObject({ status: 'PAID', version: 2 });
        expect(types, orderId).toEqual(['OrderPlaced', 'PaymentReceived']);
        expect(shown).toMatchObject({ status: 'PAID', version: 2 });
      } else {
        // The expiry came first: the payment was refused, writing nothing.
        expect(answer.errors[0]?.extensions?.code, orderId).toBe('FAILED_PRECONDITION');
        expect(types, orderId).toEqual(['OrderPlaced', 'OrderCancelled']);
        expect(history[1]!.data).toMatchObject({ reason: PAYMENT_NOT_RECEIVED, refundMinor: 0 });
        expect(shown).toMatchObject({ status: 'CANCELLED', cancellationReason: PAYMENT_NOT_RECEIVED, refund: { amount: '0.00' } });
      }
    }
    console.info(`payment vs expiry: ${paid} paid first, ${orderIds.length - paid} expired first`);
    // Stock stays reserved for the paid orders only.
    expect(await product(server, productId)).toMatchObject({ onHand: 1_000, reserved: paid, available: 1_000 - paid });
  });

  it("should refuse a customer's receivePayment with FORBIDDEN over HTTP and WebSocket, writing nothing", async () => {
    const customer: TestUser = { role: 'customer', customerId: 'cust-expiry' };
    const orderId = await placeOrder(server, await addProduct(server, 5), 1, customer.customerId);
    await settled(server.url);
    const before = countEvents(server.databaseFile);

    for (const transport of ['http', 'ws'] as const) {
      const outcome = await sendAs(transport, server, customer, ReceivePaymentDocument, {
        input: { orderId, paymentId: `pay-own-${transport}`, amount: PRICE, method: 'card' },
      });
      expect(outcome.errors?.[0]?.extensions?.code, transport).toBe('FORBIDDEN');
      expect(outcome.errors?.[0]?.message).toMatch(/^Only staff and admin can record payments: a payment comes from the payment provider/);
      expect(outcome.data?.receivePayment ?? null).toBeNull();
    }
    expect(countEvents(server.databaseFile)).toBe(before);
    expect(await order(server, orderId)).toMatchObject({ status: 'PENDING', version: 1 });
  });
});

describe('Unpaid orders expiring across a restart', () => {
  it('should expire right after start an order whose deadline passed while the server was down', async () => {
    const first = await startTestServer({ config: { clock: new ManualClock() } });
    const productId = await addProduct(first, 3);
    const orderId = await placeOrder(first, productId, 3);
    await settled(first.url);
    await first.dispose();

    // The next start is 31 minutes later; nobody advances its clock.
    const second = await startTestServer({
      databaseFile: first.databaseFile,
      config: { clock: new ManualClock(Date.now() + TIMEOUT_MS + 60_000) },
    });
    await expect.poll(async () => (await order(second, orderId)).status, { timeout: 10_000 }).toBe('CANCELLED');
    await settled(second.url);

    expect((await historyOf(second, orderId)).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(await order(second, orderId)).toMatchObject({ cancellationReason: PAYMENT_NOT_RECEIVED });
    expect(await product(second, productId)).toMatchObject({ reserved: 0, available: 3 });
    await second.dispose();
  });

  it("should keep a deadline not yet due over a restart, and expire the order when the new server's clock reaches it", async () => {
    const first = await startTestServer({ config: { clock: new ManualClock() } });
    const productId = await addProduct(first, 3);
    const orderId = await placeOrder(first, productId, 1);
    await settled(first.url);
    await first.dispose();

    const clock = new ManualClock();
    const second = await startTestServer({ databaseFile: first.databaseFile, config: { clock } });
    await settled(second.url);
    expect((await order(second, orderId)).status).toBe('PENDING');

    await clock.advanceTo(Date.now() + TIMEOUT_MS + 60_000);
    await settled(second.url);
    expect(await order(second, orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: PAYMENT_NOT_RECEIVED, version: 2 });
    expect(await product(second, productId)).toMatchObject({ reserved: 0, available: 3 });
    await second.dispose();
  });
});

await describeWithPostgres('Unpaid orders expiring with two instances on one PostgreSQL log', () => {
  let schema: TestSchema;

  beforeAll(async () => {
    schema = await createTestSchema();
  });
  afterAll(async () => {
    await schema?.drop();
  });

  it('should expire an order once while both instances fire its deadline', async () => {
    const directory = newTempDirectory();
    const postgres = { connectionString: POSTGRES_TEST_URL, schema: schema.schema };
    const clocks = [new ManualClock(), new ManualClock()];
    const [a, b] = await Promise.all(
      clocks.map((clock, index) => startTestServer({ databaseFile: join(directory, `instance-${index}.db`), config: { postgres, clock } })),
    );
    try {
      const productId = await addProduct(a!, 10);
      const orderIds: string[] = [];
      for (let index = 0; index < 10; index++) orderIds.push(await placeOrder(index % 2 ? a! : b!, productId, 1));
      await Promise.all([settled(a!.url), settled(b!.url)]);

      // Both instances recorded every deadline; both fire them at once.
      const at = Date.now() + TIMEOUT_MS + 60_000;
      await Promise.all(clocks.map((clock) => clock.advanceTo(at)));
      await Promise.all([settled(a!.url), settled(b!.url)]);

      for (const orderId of orderIds) {
        const history = await historyOf(a!, orderId);
        expect(
          history.map((event) => event.type),
          orderId,
        ).toEqual(['OrderPlaced', 'OrderCancelled']);
        expect(history[1]!.data).toMatchObject({ reason: PAYMENT_NOT_RECEIVED, refundMinor: 0 });
      }
      const releases = (await a!.services.store.readStream(`product-${productId}`)).filter((event) => event.type === 'ReservationReleased');
      expect(releases).toHaveLength(10);
      for (const server of [a!, b!]) expect(await product(server, productId)).toMatchObject({ reserved: 0, available: 10 });
    } finally {
      await Promise.all([a!.dispose(), b!.dispose()]);
    }
  });
});

/** A product with `quantity` on hand at PRICE, added by an admin. */
async function addProduct(server: TestServer, quantity: number): Promise<string> {
  const productId = `expiry-product-${++sequence}`;
  await requestData(server.url, AddProductDocument, { input: { productId, name: 'Lamp', quantity, unitPrice: PRICE } });
  return productId;
}

/** An order of `quantity` × the product at PRICE, placed by an admin (a checkout service) for the customer. */
async function placeOrder(server: TestServer, productId: string, quantity: number, customerId = 'cust-expiry'): Promise<string> {
  const input = { orderId: `expiry-order-${++sequence}`, customerId, items: [{ productId, name: 'Lamp', quantity, unitPrice: PRICE }] };
  const { placeOrder: placed } = await requestData(server.url, PlaceOrderDocument, { input });
  totals.set(placed.id, placed.total.amount);
  return placed.id;
}

/** The payment provider confirms the order's total. */
async function pay(server: TestServer, orderId: string) {
  return request(
    server.url,
    ReceivePaymentDocument,
    { input: { orderId, paymentId: `pay-${orderId}`, amount: totals.get(orderId)!, method: 'card' } },
    { authorization: await bearer(PAYMENT_PROVIDER) },
  );
}

async function order(server: TestServer, id: string) {
  const { order: found } = await requestData(server.url, GetOrderDocument, { id });
  if (!found) throw new Error(`No order ${id}`);
  return found;
}

async function product(server: TestServer, id: string) {
  const { product: found } = await requestData(server.url, GetProductDocument, { id });
  if (!found) throw new Error(`No product ${id}`);
  return found;
}

function historyOf(server: TestServer, orderId: string): Promise<StoredEvent[]> {
  return server.services.store.readStream(orderStreamId(orderId));
}
