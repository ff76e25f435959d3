import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../../src/domain/order/index.js';
import { openDatabase } from '../../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqliteEventStore.js';
import { bearer } from '../../support/auth.js';
import { type ChildServer, startChildServer } from '../../support/childServer.js';
import '../../support/killChildServersAfterAll.js';
import { orderPlaced } from '../../support/directAppends.js';
import { request, requestData } from '../../support/graphqlClient.js';
import { addReferenceProducts, referenceOrder } from '../../support/orders.js';
import { settled } from '../../support/processes.js';
import { parsePrometheusText } from '../../support/prometheus.js';
import { newTempDirectory } from '../../support/startServer.js';
import {
  AddProductDocument,
  GetOrderDocument,
  GetProductDocument,
  PlaceOrderDocument,
  ProjectionsDocument,
  RetryProjectionDocument,
} from '../../generated/graphql.js';

const CUSTOMER = { role: 'customer', customerId: 'cust-keys' } as const;

describe("A customer's commandId and the order process's keys", () => {
  const servers: ChildServer[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.process.kill('SIGKILL');
  });
  const start = async (databaseFile: string) => {
    const server = await startChildServer(databaseFile);
    servers.push(server);
    return server;
  };

  it("should keep a commandId shaped like the process's key in the customer's own namespace, so the process never meets it", async () => {
    const server = await start(join(newTempDirectory(), 'orderstream.db'));
    // Priced as the customer orders it (customers pay catalog prices), with none in stock.
    await requestData(server.url, AddProductDocument, { input: { productId: 'scarce', name: 'Scarce', quantity: 0, unitPrice: '1.00' } });
    // The planted order is a reference order: its products are in the catalog too.
    await addReferenceProducts(server.url);
    const customer = { authorization: await bearer(CUSTOMER) };
    const victim = referenceOrder({
      customerId: 'cust-keys',
      items: [{ productId: 'scarce', name: 'Scarce', quantity: 1, unitPrice: '1.00' }],
    });
    const placed = (await requestData(server.url, PlaceOrderDocument, { input: victim }, customer)).placeOrder;
    const { order } = await requestData(server.url, GetOrderDocument, { id: placed.id }, customer);
    const processKey = `${order!.history[0]!.eventId}:cancel`;

    // The attack: take the key the process will cancel the out-of-stock order with.
    const planted = await request(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ customerId: 'cust-keys', commandId: processKey }) },
      customer,
    );
    expect(planted.errors).toBeUndefined();
    const plantedOrder = await requestData(server.url, GetOrderDocument, { id: planted.data!.placeOrder.id }, customer);
    expect(plantedOrder.order!.history[0]!.commandId).toBe(`client:user-cust-keys:${processKey}`);

    await settled(server.url);
    const after = await requestData(server.url, GetOrderDocument, { id: placed.id }, customer);
    expect(after.order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'out of stock: scarce' });
    const fulfilment = (await requestData(server.url, ProjectionsDocument, {})).projections.find(
      (status) => status.name === 'orderFulfilment',
    );
    expect(fulfilment).toMatchObject({ state: 'LIVE', parked: [] });
  });

  it("should scope a commandId to its sender: another user's identical commandId is a command of its own", async () => {
    const server = await start(join(newTempDirectory(), 'orderstream.db'));
    // Customers order from the catalog: the reference order's products.
    await addReferenceProducts(server.url);
    const commandId = `shared-${randomUUID()}`;
    const first = await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ customerId: 'cust-a', commandId }) },
      {
        authorization: await bearer({ role: 'customer', customerId: 'cust-a' }),
      },
    );
    const second = await requestData(
      server.url,
      PlaceOrderDocument,
      { input: referenceOrder({ customerId: 'cust-b', commandId }) },
      {
        authorization: await bearer({ role: 'customer', customerId: 'cust-b' }),
      },
    );
    expect(second.placeOrder.id).not.toBe(first.placeOrder.id);
    expect(second.placeOrder.customerId).toBe('cust-b');
  });

  it('should park an order whose step it cannot take (a key planted by an older server) and go on with every other order', async () => {
    const databaseFile = join(newTempDirectory(), 'orderstream.db');
    const first = await start(databaseFile);
    // p1: the product a directly appended order asks for, with nothing in stock; plenty: for the orders after it.
    await requestData(first.url, AddProductDocument, { input: { productId: 'p1', name: 'P1', quantity: 0 } });
    await requestData(first.url, AddProductDocument, { input: { productId: 'plenty', name: 'Plenty', quantity: 10 } });
    await settled(first.url);
    first.process.kill('SIGTERM');
    await first.exited;

    // As an older server's log could hold it: an order, and before the process handled it, another
    // command stored under the key the process will cancel that order with.
    const store = new SqliteEventStore(openDatabase(databaseFile));
    const victim = orderPlaced('victim');
    await store.append(orderStreamId('victim'), ORDER_STREAM_TYPE, [victim], { expectedVersion: 'no_stream' });
    const plantedKey = `${victim.eventId}:cancel`;
    const plant = orderPlaced('planted');
    plant.metadata = { ...plant.metadata, commandId: plantedKey, causationId: plantedKey, commandFingerprint: 'not-the-process' };
    await store.append(orderStreamId('planted'), ORDER_STREAM_TYPE, [plant], { expectedVersion: 'no_stream', idempotencyKey: plantedKey });
    await store.close();

    const server = await start(databaseFile);
    const next = await requestData(server.url, PlaceOrderDocument, {
      input: referenceOrder({ items: [{ productId: 'plenty', name: 'Plenty', quantity: 2, unitPrice: '1.00' }] }),
    });
    await settled(server.url);

    const fulfilment = async () =>
      (await requestData(server.url, ProjectionsDocument, {})).projections.find((status) => status.name === 'orderFulfilment')!;
    expect(await fulfilment()).toMatchObject({
      state: 'LIVE',
      lagEvents: 0,
      parked: [{ key: orderStreamId('victim'), eventId: victim.eventId, eventType: 'OrderPlaced' }],
    });
    expect((await fulfilment()).parked[0]!.message).toMatch(/was already used/);
    // Every other order goes on: the next one's stock is reserved.
    expect(next.placeOrder.status).toBe('PENDING');
    expect((await requestData(server.url, GetProductDocument, { id: 'plenty' })).product).toMatchObject({ reserved: 2, available: 8 });
    const root = server.url.replace(/\/graphql$/, '');
    expect((await fetch(`${root}/readyz`)).status).toBe(200);
    const metrics = parsePrometheusText(await (await fetch(`${root}/metrics`)).text());
    expect(metrics.value('orderstream_process_parked_triggers', { name: 'orderFulfilment' })).toBe(1);

    // An admin's retry meets the same planted key: the order stays parked, the process LIVE.
    const retried = await requestData(server.url, RetryProjectionDocument, { name: 'orderFulfilment' });
    expect(retried.retryProjection.state).toBe('LIVE');
    expect((await fulfilment()).parked).toHaveLength(1);
  });
});
