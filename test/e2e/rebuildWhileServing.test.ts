import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STREAM_TYPE, type OrderEvent, orderStreamId } from '../../src/domain/order/index.js';
import type { NewEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { readModels } from '../../src/projections/definitions.js';
import {
  CancelOrderDocument,
  ListOrdersDocument,
  OrdersChangedDocument,
  type OrdersChangedSubscription,
  PlaceOrderDocument,
  RebuildProjectionDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
} from '../generated/graphql.js';
import { type GraphQLResponse, request, requestData, subscribe, wsClient } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer, type TestServer } from '../support/startServer.js';

/** Orders already in the log before the run (3 events each), so the rebuild spans several batches. */
const SEEDED_ORDERS = 2000;
const ORDERS_DURING_RUN = 150;
const WRITERS = 3;
/** The rebuild is sent once this many of the run's orders are placed. */
const REBUILD_AFTER = 40;

type Change = OrdersChangedSubscription['ordersChanged'];

describe('Rebuilding the order view while the server serves', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('should keep answering, announce every change exactly once, and end equal to a fresh rebuild', async () => {
    await seedLog(server.databaseFile, SEEDED_ORDERS);
    const seededHead = await server.services.store.headPosition();
    await server.services.readYourWrites(seededHead);
    const generationBefore = liveGeneration(server.databaseFile, 'orderView');

    // 1. A subscriber to every order change, reading as fast as messages come.
    const received: Change[] = [];
    const subscriptionErrors: unknown[] = [];
    const changes = subscribe(wsClient(server.wsUrl), OrdersChangedDocument, {});
    const consuming = (async () => {
      try {
        for await (const result of changes) {
          if (result.errors?.length) subscriptionErrors.push(...result.errors);
          if (result.data) received.push(result.data.ordersChanged);
        }
      } catch (error) {
        subscriptionErrors.push(error);
      }
    })();
    await waitUntil(() => server.services.orderChanges.subscriberCount === 1, 'the subscription to reach the server');
    const subscribedAt = await server.services.store.headPosition();

    // 2. Concurrently: writers placing (and paying, shipping, cancelling) orders, a reader paging
    //    orders(first: 5), and a rebuild of orderView sent through GraphQL once the writes are under way.
    const errors: { operation: string; errors: readonly GraphQLFormattedError[] }[] = [];
    const check = <Data>(operation: string, response: GraphQLResponse<Data>): Data | undefined => {
      if (response.errors?.length || !response.data) errors.push({ operation, errors: response.errors ?? [] });
      return response.data ?? undefined;
    };
    let placed = 0;
    let writing = true;
    let rebuildRequested!: () => void;
    const rebuildDue = new Promise<void>((resolve) => (rebuildRequested = resolve));

    const writer = async (worker: number) => {
      for (let index = worker; index < ORDERS_DURING_RUN; index += WRITERS) {
        const orderId = `live-${index}`;
        check(
          'placeOrder',
          await request(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId, customerId: `cust-${index % 7}` }) }),
        );
        if (++placed === REBUILD_AFTER) rebuildRequested();
        if (index % 5 === 4) {
          check('cancelOrder', await request(server.url, CancelOrderDocument, { input: { orderId, reason: 'changed my mind' } }));
          continue;
        }
        if (index % 2 === 0) {
          check(
            'receivePayment',
            await request(server.url, ReceivePaymentDocument, {
              input: { orderId, paymentId: `pay-${index}`, amount: '109.97', method: 'card' },
            }),
          );
          if (index % 4 === 0) {
            check(
              'shipOrder',
              await request(server.url, ShipOrderDocument, { input: { orderId, trackingNumber: `T-${index}`, carrier: 'UPS' } }),
            );
          }
        }
      }
    };

    const totals: number[] = [];
    const reader = async () => {
      while (writing) {
        const data = check('orders', await request(server.url, ListOrdersDocument, { first: 5 }));
        if (data) {
          expect(data.orders.edges.length).toBe(5);
          totals.push(data.orders.totalCount);
        }
      }
    };

    const rebuild = async () => {
      await rebuildDue;
      const data = check('rebuildProjection', await request(server.url, RebuildProjectionDocument, { name: 'orderView' }));
      return data?.rebuildProjection;
    };

    const readerDone = reader();
    const [rebuilt] = await Promise.all([rebuild(), ...Array.from({ length: WRITERS }, (_, worker) => writer(worker))]);
    writing = false;
    await readerDone;

    expect(errors).toEqual([]);
    expect(rebuilt).toMatchObject({ name: 'orderView', state: 'LIVE' });
    expect(liveGeneration(server.databaseFile, 'orderView')).toBeGreaterThan(generationBefore);
    // The reader never saw a half-built table: the order count only grows, from the seeded orders up.
    expect(totals.length).toBeGreaterThan(10);
    expect(totals[0]).toBeGreaterThanOrEqual(SEEDED_ORDERS);
    expect(totals).toEqual([...totals].sort((a, b) => a - b));
    expect(totals.at(-1)).toBeLessThanOrEqual(SEEDED_ORDERS + ORDERS_DURING_RUN);

    // 3. Every Order event committed after subscribing reached the subscriber once, in position order.
    const expected = orderEventsAfter(server.databaseFile, subscribedAt);
    expect(expected.length).toBeGreaterThan(ORDERS_DURING_RUN); // placed, plus payments, shipments, cancellations
    await waitUntil(() => received.length >= expected.length, `${expected.length} changes to reach the subscriber`);
    // A marker after the run: changes arrive in position order, so a duplicate would come before it.
    const marker = await requestData(server.url, PlaceOrderDocument, { input: referenceOrder({ orderId: 'after-the-run' }) });
    await waitUntil(() => received.some(({ id }) => id === 'after-the-run'), 'the marker to reach the subscriber');
    expect(subscriptionErrors).toEqual([]);
    expect(received.map(({ position, id }) => ({ position, id }))).toEqual([
      ...expected,
      { position: marker.placeOrder.position, id: 'after-the-run' },
    ]);

    await changes.return?.();
    await consuming;

    // 4. The tables served at the end equal those of yet another rebuild from position 0.
    const served = dumpTables(server.databaseFile, 'orderView');
    expect(served.order_views).toHaveLength(SEEDED_ORDERS + ORDERS_DURING_RUN + 1); // and the marker
    await server.services.projections.rebuild('orderView');
    expect(dumpTables(server.databaseFile, 'orderView')).toEqual(served);
  });

  // The live runner may lag behind the log (an event from another process it has not polled yet)
  // while the rebuild has already applied it: the swap must not skip announcing that event.
  it('should announce an event another process appended just before the swap', async () => {
    const received: Change[] = [];
    const changes = subscribe(wsClient(server.wsUrl), OrdersChangedDocument, {});
    const consuming = (async () => {
      for await (const result of changes) if (result.data) received.push(result.data.ordersChanged);
    })();
    await waitUntil(() => server.services.orderChanges.subscriberCount === 1, 'the subscription to reach the server');

    const otherProcess = new SqliteEventStore(openDatabase(server.databaseFile));
    try {
      const event: OrderEvent = {
        type: 'OrderPlaced',
        data: {
          orderId: 'from-another-process',
          customerId: 'cust-other',
          items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 500 }],
          currency: 'USD',
          totalMinor: 500,
          scale: 2,
          shipping: null,
          placedAt: new Date().toISOString(),
        },
      };
      const { lastPosition } = await otherProcess.append(orderStreamId('from-another-process'), ORDER_STREAM_TYPE, [toNewEvent(event)], {
        expectedVersion: 'no_stream',
      });
      // No timer can run between the append and the rebuild (only microtasks): the live runner has
      // not polled the event yet when the rebuild starts.
      await server.services.projections.rebuild('orderView');

      // After the engine's next poll (1 s), the change reaches the subscriber, exactly once: a marker
      // appended after it arrives after any duplicate would have.
      await waitUntil(() => received.some(({ position }) => position === lastPosition), 'the change to reach the subscriber');
      const marker = await otherProcess.append(
        orderStreamId('marker-from-another-process'),
        ORDER_STREAM_TYPE,
        [toNewEvent({ ...event, data: { ...event.data, orderId: 'marker-from-another-process' } })],
        { expectedVersion: 'no_stream' },
      );
      await waitUntil(() => received.some(({ position }) => position === marker.lastPosition), 'the marker to reach the subscriber');
      expect(received.filter(({ position }) => position === lastPosition)).toMatchObject([{ id: 'from-another-process' }]);
    } finally {
      await otherProcess.close();
      await changes.return?.();
      await consuming;
    }
  });
});

function toNewEvent(event: OrderEvent, occurredAt = new Date().toISOString()): NewEvent {
  const metadata = { userId: 'test', correlationId: 'test', causationId: 'test', commandId: 'test', occurredAt };
  return { eventId: randomUUID(), type: event.type, schemaVersion: 1, data: event.data, metadata };
}

/** Appends orders through a second connection (another writer on the file), in one transaction. */
async function seedLog(databaseFile: string, orders: number): Promise<void> {
  const db = openDatabase(databaseFile, { synchronous: 'NORMAL' });
  const store = new SqliteEventStore(db);
  const appends: Promise<unknown>[] = [];
  const occurredAt = '2025-01-10T10:00:00.000Z';
  try {
    db.transaction(() => {
      for (let index = 0; index < orders; index++) {
        const orderId = `seed-${index}`;
        const events: OrderEvent[] = [
          {
            type: 'OrderPlaced',
            data: {
              orderId,
              customerId: `cust-${index % 7}`,
              items: [{ productId: 'p1', name: 'Widget', quantity: 1 + (index % 3), unitPriceMinor: 1999 }],
              currency: 'USD',
              totalMinor: 1999 * (1 + (index % 3)),
              scale: 2,
              shipping: null,
              placedAt: occurredAt,
            },
          },
          index % 3 === 0
            ? { type: 'OrderCancelled', data: { orderId, reason: 'seeded', refundMinor: 0, scale: 2, cancelledAt: occurredAt } }
            : {
                type: 'PaymentReceived',
                data: {
                  orderId,
                  paymentId: `seed-pay-${index}`,
                  amountMinor: 1999 * (1 + (index % 3)),
                  scale: 2,
                  method: 'card',
                  receivedAt: occurredAt,
                },
              },
        ];
        if (index % 3 === 1) {
          events.push({
            type: 'OrderShipped',
            data: { orderId, trackingNumber: `S-${index}`, carrier: 'DHL', estimatedDelivery: null, shippedAt: occurredAt },
          });
        }
        // The store appends synchronously inside this transaction (its own becomes a savepoint).
        appends.push(
          store.append(
            orderStreamId(orderId),
            ORDER_STREAM_TYPE,
            events.map((event) => toNewEvent(event, occurredAt)),
            { expectedVersion: 'no_stream' },
          ),
        );
      }
    })();
    await Promise.all(appends);
  } finally {
    await store.close();
  }
}

function readOnly<T>(databaseFile: string, read: (db: Database.Database) => T): T {
  const db = new Database(databaseFile, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function orderEventsAfter(databaseFile: string, position: number): { position: number; id: string }[] {
  return readOnly(databaseFile, (db) =>
    db
      .prepare<[number, string], { position: number; id: string }>(
        "SELECT position, json_extract(data, '$.orderId') AS id FROM events WHERE position > ? AND stream_type = ? ORDER BY position",
      )
      .all(position, ORDER_STREAM_TYPE),
  );
}

function liveGeneration(databaseFile: string, name: string): number {
  return readOnly(
    databaseFile,
    (db) => db.prepare<[string], number>('SELECT generation FROM projection_generations WHERE name = ? AND live = 1').pluck().get(name)!,
  );
}

/** Every logical table of the projection, rows sorted by all columns, through a read-only connection. */
function dumpTables(databaseFile: string, projection: string): Record<string, unknown[]> {
  const definition = readModels.find(({ name }) => name === projection);
  if (!definition) throw new Error(`no projection named ${projection}`);
  return readOnly(databaseFile, (db) =>
    Object.fromEntries(
      Object.keys(definition.tables).map((logical) => {
        const columnCount = db.prepare(`SELECT * FROM ${logical}`).columns().length;
        const orderBy = Array.from({ length: columnCount }, (_, index) => index + 1).join(', ');
        return [logical, db.prepare(`SELECT * FROM ${logical} ORDER BY ${orderBy}`).all()];
      }),
    ),
  );
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Timed out after 5 s waiting for ${what}`);
}
