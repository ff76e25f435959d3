import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ForgetCustomerDocument,
  GetOrderDocument,
  ListOrdersDocument,
  PlaceOrderDocument,
  ReceivePaymentDocument,
  RebuildProjectionDocument,
} from '../generated/graphql.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { ALICE, BOB, ERASED, expectNoneOf, valuesOf } from '../support/personalData.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { newTempDirectory, startTestServer, type TestServer } from '../support/startServer.js';

// Two instances on one PostgreSQL log and read side: the keys live in PostgreSQL beside the log, so a
// customer forgotten through one is forgotten for the other at once, and no table holds their data.

await describeWithPostgres('Forgetting a customer with two instances on PostgreSQL', () => {
  let schema: TestSchema;
  let a: TestServer;
  let b: TestServer;
  const shippingOn = async (server: TestServer, id: string) => (await requestData(server.url, GetOrderDocument, { id })).order?.shipping;

  beforeAll(async () => {
    schema = await createTestSchema();
    const directory = newTempDirectory();
    const postgres = { connectionString: POSTGRES_TEST_URL, schema: schema.schema };
    a = await startTestServer({ databaseFile: join(directory, 'a.db'), config: { postgres } });
    b = await startTestServer({ databaseFile: join(directory, 'b.db'), config: { postgres } });
    await requestData(a.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId: 'pg-alice-1', customerId: 'cust-alice', shipping: ALICE }),
    });
    await requestData(b.url, PlaceOrderDocument, {
      input: referenceOrder({ orderId: 'pg-alice-2', customerId: 'cust-alice', shipping: ALICE }),
    });
    await requestData(b.url, ReceivePaymentDocument, {
      input: { orderId: 'pg-alice-2', paymentId: 'pay-2', amount: '109.97', method: 'card' },
    });
    await requestData(a.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'pg-bob', customerId: 'cust-bob', shipping: BOB }) });
  });
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
    await schema?.drop();
  });

  it('should seal with one key per customer shared by the instances, and show the details on either', async () => {
    expect(await shippingOn(b, 'pg-alice-1')).toEqual({ status: 'AVAILABLE', ...ALICE });
    expect(await shippingOn(a, 'pg-alice-2')).toEqual({ status: 'AVAILABLE', ...ALICE });
  });

  it("should give a new customer's first orders, placed at once on both instances, one key", async () => {
    const place = (server: TestServer, n: number) =>
      requestData(server.url, PlaceOrderDocument, {
        input: referenceOrder({ orderId: `pg-carol-${n}`, customerId: 'cust-carol', shipping: BOB }),
      });
    await Promise.all(Array.from({ length: 8 }, (_, n) => place(n % 2 ? a : b, n)));
    for (let n = 0; n < 8; n++) expect((await shippingOn(a, `pg-carol-${n}`))?.status, `pg-carol-${n}`).toBe('AVAILABLE');
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT count(*)::int AS keys FROM ${schema.schema}.customer_keys WHERE customer_id = 'cust-carol'`,
      );
      expect(rows).toEqual([{ keys: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('should erase on both instances at once when forgotten through one, and keep the other customer and the totals', async () => {
    const ordersBefore = await requestData(b.url, ListOrdersDocument, { first: 100 });
    const { forgetCustomer } = await requestData(a.url, ForgetCustomerDocument, { customerId: 'cust-alice' });
    expect(forgetCustomer.keysDestroyed).toBe(1);
    // No waiting: B reads the keys from PostgreSQL on every answer.
    expect(await shippingOn(b, 'pg-alice-1')).toEqual(ERASED);
    expect(await shippingOn(b, 'pg-alice-2')).toEqual(ERASED);
    expect(await shippingOn(b, 'pg-bob')).toEqual({ status: 'AVAILABLE', ...BOB });
    const ordersAfter = await requestData(b.url, ListOrdersDocument, { first: 100 });
    expect(ordersAfter).toEqual(ordersBefore);
    // Once, whichever instance is asked again.
    expect((await requestData(b.url, ForgetCustomerDocument, { customerId: 'cust-alice' })).forgetCustomer).toEqual(forgetCustomer);
  });

  it('should give the same erased answers after a rebuild', async () => {
    const live = await requestData(a.url, ListOrdersDocument, { first: 100 });
    await requestData(b.url, RebuildProjectionDocument, { name: 'orderView' });
    expect(await requestData(a.url, ListOrdersDocument, { first: 100 })).toEqual(live);
  });

  it("should leave none of the customers' values in any PostgreSQL table", async () => {
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
        [schema.schema],
      );
      expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['events', 'customer_keys', 'customer_erasures']));
      let everything = '';
      for (const { name } of tables) {
        const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${schema.schema}."${name}" t`);
        everything += rows.map((row) => row.row).join('\n');
      }
      expect(everything).toContain('cust-alice'); // the search finds what is there
      expectNoneOf([...valuesOf(ALICE), ...valuesOf(BOB)], everything, 'the PostgreSQL tables');
      const keys = await client.query(`SELECT customer_id FROM ${schema.schema}.customer_keys ORDER BY customer_id`);
      expect(keys.rows).toEqual([{ customer_id: 'cust-bob' }, { customer_id: 'cust-carol' }]);
    } finally {
      await client.end();
    }
  });
});
