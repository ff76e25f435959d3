import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLog } from '../../src/cli/exportLog.js';
import {
  CancelOrderDocument,
  CustomerSummaryDocument,
  DashboardDocument,
  EventsDocument,
  ForgetCustomerDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrderAtInFullDocument,
  OrderHistoryDocument,
  OrderUpdatedInFullDocument,
  PlaceOrderDocument,
  type PlaceOrderInput,
  ReceivePaymentDocument,
  RebuildProjectionDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { bearer } from '../support/auth.js';
import { request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { ALICE, BOB, ERASED, expectNoneOf, valuesOf } from '../support/personalData.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';

describe('Forgetting a customer (crypto-shredding) on SQLite', () => {
  let server: TestServer;
  const order = (orderId: string, customerId: string, shipping: PlaceOrderInput['shipping']) =>
    requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId, shipping }) });
  const pay = (orderId: string) =>
    requestData(server.url, ReceivePaymentDocument, { input: { orderId, paymentId: `pay-${orderId}`, amount: '109.97', method: 'card' } });
  const everyAnswer = async () => ({
    orders: await requestData(server.url, ListOrdersDocument, { first: 100 }),
    aliceOrders: await Promise.all(
      ['a-pending', 'a-paid', 'a-shipped', 'a-cancelled'].map((id) => requestData(server.url, GetOrderDocument, { id })),
    ),
    orderAt: await Promise.all(['a-pending', 'a-shipped'].map((id) => requestData(server.url, OrderAtInFullDocument, { id, version: 1 }))),
    history: await requestData(server.url, OrderHistoryDocument, { id: 'a-shipped' }),
    events: await requestData(server.url, EventsDocument, { after: 0, first: 1000 }),
  });
  const figures = async () => ({
    dashboard: await requestData(server.url, DashboardDocument, { currency: 'USD' }),
    alice: await requestData(server.url, CustomerSummaryDocument, { id: 'cust-alice', currency: 'USD' }),
  });

  beforeAll(async () => {
    server = await startTestServer();
    await order('a-pending', 'cust-alice', ALICE);
    await order('a-paid', 'cust-alice', ALICE);
    await pay('a-paid');
    await order('a-shipped', 'cust-alice', ALICE);
    await pay('a-shipped');
    await requestData(server.url, ShipOrderDocument, { input: { orderId: 'a-shipped', trackingNumber: '1Z-a', carrier: 'UPS' } });
    await order('a-cancelled', 'cust-alice', ALICE);
    await requestData(server.url, CancelOrderDocument, { input: { orderId: 'a-cancelled', reason: 'changed my mind' } });
    await order('a-plain', 'cust-alice', null);
    await order('b-1', 'cust-bob', BOB);
  });
  afterAll(() => server.dispose());

  it('should show shipping details to those who may see the order, and keep them sealed everywhere they are stored', async () => {
    const shown = (await requestData(server.url, GetOrderDocument, { id: 'a-paid' })).order?.shipping;
    expect(shown).toEqual({ status: 'AVAILABLE', ...ALICE });
    const asAlice = { authorization: await bearer({ role: 'customer', customerId: 'cust-alice' }) };
    expect((await requestData(server.url, GetOrderDocument, { id: 'a-paid' }, asAlice)).order?.shipping?.email).toBe(ALICE.email);
    const asBob = { authorization: await bearer({ role: 'customer', customerId: 'cust-bob' }) };
    expect((await requestData(server.url, GetOrderDocument, { id: 'a-paid' }, asBob)).order).toBeNull();
    expect((await requestData(server.url, GetOrderDocument, { id: 'a-plain' })).order?.shipping).toBeNull();
    const history = (await requestData(server.url, OrderHistoryDocument, { id: 'a-paid' })).orderHistory;
    expect(history.map((event) => event.shipping)).toEqual([
      { status: 'AVAILABLE', recipientName: ALICE.recipientName, email: ALICE.email },
      null,
    ]);
    // The log and the read model hold the details only sealed.
    const db = new Database(server.databaseFile, { readonly: true });
    try {
      const stored = db.prepare("SELECT data FROM events WHERE stream_id = 'order-a-paid'").pluck().all().join('\n');
      const row = db.prepare("SELECT * FROM order_views WHERE order_id = 'a-paid'").get();
      expectNoneOf(valuesOf(ALICE), stored + JSON.stringify(row), 'the log or order_views');
      expect(stored).toMatch(/"shipping":"ps2\./);
    } finally {
      db.close();
    }
  });

  it('should answer a retried order with shipping details as the first, and refuse the key reused for other details', async () => {
    const input = referenceOrder({ orderId: 'a-retried', customerId: 'cust-alice', shipping: ALICE, commandId: 'retry-1' });
    const first = (await requestData(server.url, PlaceOrderDocument, { input })).placeOrder;
    expect((await requestData(server.url, PlaceOrderDocument, { input })).placeOrder).toEqual(first);
    expect(await server.services.store.readStream('order-a-retried')).toHaveLength(1);
    const reused = await request(server.url, PlaceOrderDocument, { input: { ...input, shipping: { ...ALICE, city: 'Elsewhere' } } });
    expect(reused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('should refuse to forget for anyone but an admin, and write nothing', async () => {
    for (const user of [{ role: 'staff' as const }, { role: 'customer' as const, customerId: 'cust-alice' }]) {
      const refused = await request(
        server.url,
        ForgetCustomerDocument,
        { customerId: 'cust-alice' },
        { authorization: await bearer(user) },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const anonymous = await request(server.url, ForgetCustomerDocument, { customerId: 'cust-alice' }, { authorization: '' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await server.services.store.readStream('customer-cust-alice')).toEqual([]);
    expect((await requestData(server.url, GetOrderDocument, { id: 'a-pending' })).order?.shipping?.status).toBe('AVAILABLE');
  });

  it('should erase the customer in every answer, subscription message and export, keep totals and others, once however often asked', async () => {
    const before = await figures();
    const client = wsClient(server.wsUrl);
    const updates = subscribe(client, OrderUpdatedInFullDocument, { id: 'a-pending' });
    const first = await updates.next(); // the order as it is now
    expect(first.value.data.orderUpdated.shipping.status).toBe('AVAILABLE');

    const { forgetCustomer } = await requestData(server.url, ForgetCustomerDocument, { customerId: 'cust-alice' });
    expect(forgetCustomer).toMatchObject({ customerId: 'cust-alice', keysDestroyed: 1 });
    const again = (await requestData(server.url, ForgetCustomerDocument, { customerId: 'cust-alice' })).forgetCustomer;
    expect(again).toEqual(forgetCustomer);
    const recorded = await server.services.store.readStream('customer-cust-alice');
    expect(recorded.map((event) => event.type)).toEqual(['CustomerForgotten']);
    expectNoneOf(valuesOf(ALICE), JSON.stringify(recorded), 'CustomerForgotten');

    // Totals, statuses and figures are the log's, not the key's.
    expect(await figures()).toEqual(before);
    const answers = await everyAnswer();
    const text = JSON.stringify(answers);
    expectNoneOf(valuesOf(ALICE), text, 'the answers');
    for (const { order } of answers.aliceOrders) expect(order?.shipping).toEqual(ERASED);
    expect(answers.aliceOrders.map(({ order }) => order?.status)).toEqual(['PENDING', 'PAID', 'SHIPPED', 'CANCELLED']);
    expect(answers.orderAt.map(({ orderAt }) => orderAt?.shipping)).toEqual([ERASED, ERASED]);
    expect(answers.history.orderHistory[0]?.shipping).toEqual({ status: 'ERASED', recipientName: '[erased]', email: '[erased]' });
    // Bob is untouched.
    expect((await requestData(server.url, GetOrderDocument, { id: 'b-1' })).order?.shipping).toEqual({ status: 'AVAILABLE', ...BOB });

    // A change after forgetting reaches the subscriber erased.
    await pay('a-pending');
    const paid = await updates.next();
    expect(paid.value.data.orderUpdated).toMatchObject({ status: 'PAID', shipping: ERASED });
    expectNoneOf(valuesOf(ALICE), JSON.stringify(paid.value), 'the subscription message');
    await updates.return?.();

    const exported = join(newTempDirectory(), 'export.ndjson');
    await exportLog(server.databaseFile, { file: exported });
    const lines = readFileSync(exported, 'utf8');
    expect(lines).toContain('CustomerForgotten');
    expectNoneOf([...valuesOf(ALICE), ...valuesOf(BOB)], lines, 'the export');
  });

  it('should give the same erased answers after a rebuild', async () => {
    const live = await everyAnswer();
    await requestData(server.url, RebuildProjectionDocument, { name: 'orderView' });
    expect(await everyAnswer()).toEqual(live);
  });

  it("should leave none of the customer's values in the file's bytes after a checkpoint and VACUUM", async () => {
    await server.dispose();
    const db = new Database(server.databaseFile);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('VACUUM');
      expect(db.prepare("SELECT count(*) FROM customer_keys WHERE customer_id = 'cust-alice'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT count(*) FROM customer_keys WHERE customer_id = 'cust-bob'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    const bytes = readFileSync(server.databaseFile).toString('latin1');
    expect(bytes).toContain('cust-alice'); // the search finds what is there
    expectNoneOf([...valuesOf(ALICE), ...valuesOf(BOB)], bytes, 'the SQLite file');
  });
});

describe('Personal data that cannot be read', () => {
  let server: TestServer;
  const sealedOf = (orderId: string) => {
    const db = new Database(server.databaseFile, { readonly: true });
    try {
      return db.prepare('SELECT shipping_sealed FROM order_views WHERE order_id = ?').pluck().get(orderId) as string;
    } finally {
      db.close();
    }
  };
  /** Runs `sql` on the live generation's table behind the order_views view. */
  const write = (sql: string, ...values: unknown[]) => {
    const db = new Database(server.databaseFile);
    try {
      const table = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'order_views__g%'")
        .pluck()
        .get() as string;
      db.prepare(sql.replace('order_views', table)).run(...values);
    } finally {
      db.close();
    }
  };
  const shippingOf = async (id: string) => (await requestData(server.url, GetOrderDocument, { id })).order?.shipping;

  beforeAll(async () => {
    // Without a configured key: the development key beside the file.
    server = await startTestServer({ config: { masterKey: undefined } });
    for (const [orderId, customerId, shipping] of [
      ['t-alice', 'cust-alice', ALICE],
      ['t-alice-2', 'cust-alice', ALICE],
      ['t-bob', 'cust-bob', BOB],
      ['t-carol', 'cust-carol', { ...BOB, recipientName: 'Carol' }],
    ] as const) {
      await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId, shipping }) });
    }
  });
  afterAll(() => server.dispose());

  it("should read a tampered or moved value as UNREADABLE, never crash, and never show another customer's data", async () => {
    const sealed = sealedOf('t-alice');
    const parts = sealed.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}${parts[3]!.endsWith('AA') ? 'BB' : 'AA'}`;
    write("UPDATE order_views SET shipping_sealed = ? WHERE order_id = 't-alice'", parts.join('.'));
    expect(await shippingOf('t-alice')).toEqual({ ...ERASED, status: 'UNREADABLE' });

    // Bob's sealed details moved onto Alice's order open as nothing, not as Bob's.
    write("UPDATE order_views SET shipping_sealed = ? WHERE order_id = 't-alice'", sealedOf('t-bob'));
    const moved = await shippingOf('t-alice');
    expect(moved).toEqual({ ...ERASED, status: 'UNREADABLE' });
    expectNoneOf(valuesOf(BOB), JSON.stringify(moved), 'the answer');
    // Alice's own details from another of her orders do not open on this one either, nor relabelled as the older format.
    write("UPDATE order_views SET shipping_sealed = ? WHERE order_id = 't-alice'", sealedOf('t-alice-2'));
    expect((await shippingOf('t-alice'))?.status).toBe('UNREADABLE');
    write("UPDATE order_views SET shipping_sealed = ? WHERE order_id = 't-alice'", sealedOf('t-alice-2').replace(/^ps2/, 'ps1'));
    expect((await shippingOf('t-alice'))?.status).toBe('UNREADABLE');
    expect((await shippingOf('t-alice-2'))?.status).toBe('AVAILABLE');
    write("UPDATE order_views SET shipping_sealed = 'not sealed at all' WHERE order_id = 't-alice'");
    expect((await shippingOf('t-alice'))?.status).toBe('UNREADABLE');
    expect((await shippingOf('t-bob'))?.status).toBe('AVAILABLE');
  });

  it('should read a value whose key is missing (not forgotten) as UNREADABLE', async () => {
    write("DELETE FROM customer_keys WHERE customer_id = 'cust-carol'");
    expect(await shippingOf('t-carol')).toEqual({ ...ERASED, status: 'UNREADABLE' });
  });

  it('should refuse to start with a master key that is not the one the keys were wrapped with', async () => {
    await server.dispose();
    const masterKeyFile = `${server.databaseFile}.master-key`;
    expect(readFileSync(masterKeyFile, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    await expect(startTestServer({ databaseFile: server.databaseFile, config: { masterKey: Buffer.alloc(32, 7) } })).rejects.toThrow(
      /ORDERSTREAM_MASTER_KEY is not the key this database was started with/,
    );
    writeFileSync(masterKeyFile, 'garbage\n');
    await expect(startTestServer({ databaseFile: server.databaseFile, config: { masterKey: undefined } })).rejects.toThrow(
      /holds no master key/,
    );
  });
});

describe('Shipping details given badly', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it.each([
    ['an email without @', { email: 'quintessa.example.org' }, 'shipping.email'],
    ['a country that is no ISO 3166-1 code', { country: 'UK' }, 'shipping.country'],
    ['a lower-case country', { country: 'nl' }, 'shipping.country'],
    ['four address lines', { addressLines: ['1', '2', '3', '4'] }, 'shipping.addressLines'],
    ['no address line', { addressLines: [] }, 'shipping.addressLines'],
    ['an empty name', { recipientName: '  ' }, 'shipping.recipientName'],
    ['a postal code of punctuation', { postalCode: '#!' }, 'shipping.postalCode'],
  ])('should refuse %s with BAD_USER_INPUT naming the field, repeat no value, and write nothing', async (_name, change, field) => {
    const orderId = `bad-${field}-${Object.values(change).join('')}`.replace(/[^A-Za-z0-9-]/g, '');
    const refused = await request(server.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId, customerId: 'cust-bad', shipping: { ...ALICE, ...change } }),
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expectNoneOf(valuesOf(ALICE), refused.errors?.[0]?.message ?? '', 'the message');
    expect(await server.services.store.readStream(`order-${orderId}`)).toEqual([]);
  });
});
