import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import {
  AddProductDocument,
  EventFeedDocument,
  GetOrderDocument,
  ListOrdersDocument,
  OrdersChangedDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  ReceivePaymentDocument,
} from '../generated/graphql.js';
import { bearer, type TestUser } from '../support/auth.js';
import { requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { readWholeLog } from '../eventstore/postgresLogTail.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, type TestSchema } from '../support/postgres.js';
import { settled } from '../support/processes.js';
import { type ChildServer, killAllChildren, killHard, startChildServer as spawnServer } from '../support/childServer.js';
import { collect, waitUntil } from '../support/subscriptionReading.js';

// Two `orderstream serve` processes on one log and one set of read models in PostgreSQL (a schema of
// its own for this file), each with its own SQLite file for snapshots and process checkpoints: what a
// change through one looks like on the other, and what happens when the one writing the read models dies.

const STAFF: TestUser = { role: 'staff' };
const directory = mkdtempSync(join(tmpdir(), 'orderstream-pg-instances-'));

afterAll(() => {
  killAllChildren();
  rmSync(directory, { recursive: true, force: true });
});

await describeWithPostgres('Two server instances on one PostgreSQL log and read side', () => {
  let schema: TestSchema;
  let log: PostgresEventStore;
  let a: ChildServer;
  let b: ChildServer;

  /**
   * Instance `name` on the shared log and read models, with its own local file (kept across restarts).
   * The failover test's customers place orders until A is dead, however many that takes: more than the
   * default cap on a customer's pending orders, which is not what this file is about.
   */
  const startInstance = (name: string) =>
    spawnServer(join(directory, `${name}.db`), {
      DATABASE_URL: POSTGRES_TEST_URL,
      DATABASE_SCHEMA: schema.schema,
      ORDERSTREAM_MAX_PENDING_ORDERS: '1000',
    });

  beforeAll(async () => {
    schema = await createTestSchema();
    // A first: it takes the lead of every read model, so killing it below kills the leader.
    a = await startInstance('a');
    b = await startInstance('b');
    log = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: schema.schema, poolSize: 2 });
    // The product the customers order (placeOrder below), in the catalog at its price: customers pay
    // catalog prices. Stock no test runs out of: its orders are never cancelled out of stock.
    await requestData(a.url, AddProductDocument, {
      input: { productId: 'pg-widget', name: 'pg-widget', quantity: 1_000_000_000, unitPrice: '12.50' },
    });
  });

  afterAll(async () => {
    killAllChildren();
    await log?.close();
    await schema?.drop();
  });

  it('should push a change made through B to a subscriber on A, and show it on B at once (read-your-writes)', async () => {
    const customer: TestUser = { role: 'customer', customerId: 'cross-1' };
    const changes = collect(
      subscribe(wsClient(wsUrl(a)), OrdersChangedDocument, { customerId: 'cross-1', afterPosition: 0 }),
      (data) => data.ordersChanged,
    );
    // A first order through A itself: once it arrives, the subscription is past its replay and live.
    await placeOrder(a, customer, 'cross-warm-up');
    await waitUntil(() => changes.items.length === 1);

    const { placeOrder: placed } = await placeOrder(b, customer, 'cross-through-b');
    const answeredAt = performance.now();
    // Read-your-writes on B: the answer, and a query right after it, show the order.
    expect(placed).toMatchObject({ id: 'cross-through-b', status: 'PENDING', version: 1 });
    expect((await requestData(b.url, GetOrderDocument, { id: 'cross-through-b' })).order).toMatchObject({ status: 'PENDING', version: 1 });

    await waitUntil(() => changes.items.length === 2, 5_000);
    console.info(`B's placeOrder reached A's subscriber ${Math.round(performance.now() - answeredAt)} ms after B answered`);
    expect(changes.items[1]).toMatchObject({ id: 'cross-through-b', status: 'PENDING', version: 1, position: placed.position });
    // A's own queries show it once A has caught up (it had, to announce it).
    expect((await requestData(a.url, GetOrderDocument, { id: 'cross-through-b' })).order).toMatchObject({ status: 'PENDING', version: 1 });
    expect(changes.errors).toEqual([]);
    await changes.stop();
  });

  it("should answer a new order on B without waiting for A's read models, and hold B's queries until they show it", async () => {
    const staff = { authorization: await bearer(STAFF) };
    const input = {
      orderId: 'answered-unshown',
      customerId: 'unshown-1',
      items: [{ productId: 'pg-widget', name: 'pg-widget', quantity: 1, unitPrice: '12.50' }],
    };
    // A (leading every read model) stands still: no batch of its shows the order meanwhile.
    a.process.kill('SIGSTOP');
    let query: Promise<{ order?: unknown }> | undefined;
    try {
      const answer = requestData(b.url, PlaceOrderDocument, { input }, staff);
      const waited = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('placeOrder waited for the read models')), 3_000));
      const { placeOrder: placed } = await Promise.race([answer, waited]);
      expect(placed).toMatchObject({ id: 'answered-unshown', status: 'PENDING', version: 1 });
      // A query after it on B waits until the order view shows it.
      query = requestData(b.url, GetOrderDocument, { id: 'answered-unshown' }, staff);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      a.process.kill('SIGCONT');
    }
    expect((await query!).order).toMatchObject({ id: 'answered-unshown', status: 'PENDING', version: 1 });
  });

  it('should reserve stock once per order and product, the order process running on one instance and paymentExpiry on both', async () => {
    await requestData(
      b.url,
      AddProductDocument,
      { input: { productId: 'pg-lamp', name: 'Lamp', quantity: 5, unitPrice: '12.50' } },
      { authorization: await bearer(STAFF) },
    );
    // Ten orders of one lamp each, five through each instance, at once: one order process reacts to them all.
    const placed = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        placeOrder(index % 2 ? a : b, { role: 'customer', customerId: `lamp-${index}` }, `lamp-order-${index}`, 'pg-lamp'),
      ),
    );
    expect(placed).toHaveLength(10);
    await Promise.all([settled(a.url), settled(b.url)]);
    // Each read model and the order process on one instance, whichever; paymentExpiry on both.
    const runsHere = await Promise.all(
      [a, b].map(async (server) => {
        const { projections } = await requestData(server.url, ProjectionsDocument, {});
        return new Map(projections.map((status) => [status.name, status.runsHere]));
      }),
    );
    for (const name of runsHere[0]!.keys()) {
      const instances = runsHere.filter((statuses) => statuses.get(name)).length;
      expect([name, instances]).toEqual([name, name === 'paymentExpiry' ? 2 : 1]);
    }
    expect(runsHere[0]!.has('orderFulfilment')).toBe(true);

    const lamp = await log.readStream('product-pg-lamp');
    const outcomes = lamp.filter((event) => event.type === 'StockReserved' || event.type === 'StockReservationRejected');
    const orderIds = outcomes.map((event) => (event.data as { orderId: string }).orderId);
    // One outcome per order, never two: the instance that came second appended nothing.
    expect(orderIds.sort()).toEqual(Array.from({ length: 10 }, (_, index) => `lamp-order-${index}`).sort());
    expect(outcomes.filter((event) => event.type === 'StockReserved')).toHaveLength(5);
    const commandIds = lamp.map((event) => event.metadata.commandId);
    expect(new Set(commandIds).size).toBe(commandIds.length);

    // The five that got no lamp were cancelled once each, and both instances agree on every order.
    for (const server of [a, b]) {
      const statuses = await Promise.all(
        placed.map(async ({ placeOrder: order }) => (await requestData(server.url, GetOrderDocument, { id: order.id })).order!),
      );
      expect(statuses.filter((order) => order.status === 'PENDING')).toHaveLength(5);
      expect(statuses.filter((order) => order.status === 'CANCELLED').every((order) => order.version === 2)).toBe(true);
    }
  });

  it("should fail over when the read models' leader A is killed -9 while B takes writes: B takes the lead, nothing skipped or doubled, and resumed subscribers on A get exactly what they missed", async () => {
    expect(await readModelLeaders()).toEqual(Object.fromEntries(READ_MODELS.map((name) => [name, a.process.pid])));
    const feed = collect(subscribe(wsClient(wsUrl(a)), EventFeedDocument, { afterPosition: 0 }), (data) => data.events);
    // B's subscriber stays connected through the failover: it must get every order change once.
    const onB = collect(
      subscribe(wsClient(wsUrl(b)), OrdersChangedDocument, { afterPosition: await log.headPosition() }),
      (data) => data.ordersChanged,
    );
    await waitUntil(() => feed.last() > 0);
    const headBefore = await log.headPosition();
    await waitUntil(() => feed.last() === headBefore);

    // B keeps taking writes; A dies in the middle of them.
    let writing = true;
    const writes = (async () => {
      for (let index = 0; writing || index < 6; index++) {
        const customer: TestUser = { role: 'customer', customerId: `outage-${index % 3}` };
        const { placeOrder: order } = await placeOrder(b, customer, `outage-${index}`);
        if (index % 2 === 0) {
          // Paid as the payment provider would (staff): customers cannot record payments.
          await requestData(
            b.url,
            ReceivePaymentDocument,
            { input: { orderId: order.id, paymentId: `pay-outage-${index}`, amount: order.total.amount, method: 'card' } },
            { authorization: await bearer(STAFF) },
          );
        }
      }
    })();
    await waitUntil(() => feed.last() > headBefore, 5_000);
    await killHard(a);
    writing = false;
    await writes;
    await feed.stop();
    const missedAfter = feed.last();

    // B took the lead of every read model once A's connections went.
    await expect.poll(readModelLeaders, { timeout: 10_000 }).toEqual(Object.fromEntries(READ_MODELS.map((name) => [name, b.process.pid])));
    a = await startInstance('a');
    await settled(a.url);
    const logNow = await readWholeLog(log);
    // B runs the order process now, and it reacted to every order, those placed while A was dying included.
    const orderProcessRunsOn = await Promise.all(
      [a, b].map(async (server) => {
        const { projections } = await requestData(server.url, ProjectionsDocument, {});
        return projections.find((status) => status.name === 'orderFulfilment')!.runsHere;
      }),
    );
    expect(orderProcessRunsOn).toEqual([false, true]);
    const reactedTo = new Set(logNow.map((event) => event.metadata.causationId));
    const placedIds = logNow.filter((event) => event.type === 'OrderPlaced').map((event) => event.eventId);
    expect(placedIds.filter((id) => !reactedTo.has(id))).toEqual([]);
    const orderEventsAfter = (position: number) =>
      logNow
        .filter((event) => event.streamType === 'Order' && event.position > position)
        .map(({ position: p, streamId, version }) => ({ position: p, id: streamId.slice('order-'.length), version }));
    await waitUntil(() => onB.last() === orderEventsAfter(0).at(-1)!.position, 10_000);
    expect(onB.items.map(({ position, id, version }) => ({ position, id, version }))).toEqual(orderEventsAfter(headBefore));
    expect(onB.errors).toEqual([]);
    await onB.stop();
    const missed = logNow.filter((event) => event.position > missedAfter);
    expect(missed.length).toBeGreaterThan(6);

    // The event feed resumed after the last position received: exactly the events after it, in order.
    const resumed = collect(subscribe(wsClient(wsUrl(a)), EventFeedDocument, { afterPosition: missedAfter }), (data) => data.events);
    await waitUntil(() => resumed.last() === logNow.at(-1)!.position, 10_000);
    expect(resumed.items).toEqual(missed.map(({ position, streamId, type, version }) => ({ position, streamId, type, version })));
    expect(resumed.errors).toEqual([]);
    await resumed.stop();
    // So did the order feed: one view per change of an order after that position, as the log has them.
    const orders = collect(
      subscribe(wsClient(wsUrl(a)), OrdersChangedDocument, { afterPosition: missedAfter }),
      (data) => data.ordersChanged,
    );
    const orderChanges = missed.filter((event) => event.streamType === 'Order');
    await waitUntil(() => orders.last() === orderChanges.at(-1)!.position, 10_000);
    expect(orders.items.map(({ position, id, version }) => ({ position, id, version }))).toEqual(
      orderChanges.map(({ position, streamId, version }) => ({ position, id: streamId.slice('order-'.length), version })),
    );
    await orders.stop();

    // A's read model equals the log, order by order: each order's status and version, none missing, none extra.
    expect(await ordersShownBy(a)).toEqual(ordersInLog(logNow));
    expect(await ordersShownBy(b)).toEqual(ordersInLog(logNow));
    expect([...a.errorLines(), ...b.errorLines()]).toEqual([]);
  });

  it('should shut down cleanly on SIGTERM (LISTEN connection, pool and read side closed) and exit 0', async () => {
    b.process.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  });

  /** Which server process leads each read model: the pid in the application_name of the connection holding its lock. */
  async function readModelLeaders(): Promise<Record<string, number | undefined>> {
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, options: `-c search_path=${schema.schema}` });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; application_name: string }>(
        `SELECT names.name, a.application_name
         FROM unnest($1::text[]) AS names(name)
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid = 360100 -- the read models' lock class
           AND l.objid::int = hashtext(current_schema() || '.' || names.name)
         JOIN pg_stat_activity a ON a.pid = l.pid`,
        [READ_MODELS],
      );
      return Object.fromEntries(rows.map((row) => [row.name, Number(/leader pid (\d+)/.exec(row.application_name)?.[1])]));
    } finally {
      await client.end();
    }
  }

  it('should refuse to start on a local file that holds an event log of its own', async () => {
    const file = join(directory, 'has-a-log.db');
    const own = new SqliteEventStore(openDatabase(file));
    const metadata = { userId: 'test', correlationId: 'c', causationId: 'c', commandId: 'c', occurredAt: new Date().toISOString() };
    await own.append('order-x', 'Order', [{ eventId: 'e-1', type: 'OrderPlaced', schemaVersion: 1, data: {}, metadata }], {
      expectedVersion: 'no_stream',
    });
    await own.close();
    await expect(spawnServer(file, { DATABASE_URL: POSTGRES_TEST_URL, DATABASE_SCHEMA: schema.schema })).rejects.toThrow(
      /has-a-log\.db holds an event log of its own \(1 events\); with DATABASE_URL it keeps only this instance's snapshots and process checkpoints/,
    );
  });
});

const READ_MODELS = ['orderView', 'customerSummary', 'dashboard', 'productView'];

const wsUrl = (server: ChildServer) => server.url.replace(/^http/, 'ws');

function placeOrder(server: ChildServer, customer: TestUser, orderId: string, productId = 'pg-widget') {
  const input = { orderId, customerId: customer.customerId!, items: [{ productId, name: productId, quantity: 1, unitPrice: '12.50' }] };
  return bearer(customer).then((authorization) => requestData(server.url, PlaceOrderDocument, { input }, { authorization }));
}

/** Every order the server's read model lists, with the status and version it shows. */
async function ordersShownBy(server: ChildServer): Promise<Record<string, string>> {
  const shown: Record<string, string> = {};
  let after: string | null | undefined;
  for (;;) {
    const { orders } = await requestData(server.url, ListOrdersDocument, { first: 100, after });
    for (const { node } of orders.edges) {
      const { order } = await requestData(server.url, GetOrderDocument, { id: node.id });
      shown[node.id] = `${order!.status} v${order!.version}`;
    }
    if (!orders.pageInfo.hasNextPage) return sortedKeys(shown);
    after = orders.pageInfo.endCursor;
  }
}

/** Each order's status and version folded from the log. */
function ordersInLog(events: readonly StoredEvent[]): Record<string, string> {
  const statusAfter: Record<string, string> = {
    OrderPlaced: 'PENDING',
    PaymentReceived: 'PAID',
    OrderShipped: 'SHIPPED',
    OrderCancelled: 'CANCELLED',
  };
  const orders: Record<string, string> = {};
  for (const event of events) {
    if (event.streamType === 'Order') orders[event.streamId.slice('order-'.length)] = `${statusAfter[event.type]} v${event.version}`;
  }
  return sortedKeys(orders);
}

function sortedKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([x], [y]) => x.localeCompare(y)));
}
