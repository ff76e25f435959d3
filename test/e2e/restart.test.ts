import { describe, expect, it } from 'vitest';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { GetOrderDocument, ListOrdersDocument, PlaceOrderDocument, ReceivePaymentDocument } from '../generated/graphql.js';
import { requestData } from '../support/graphqlClient.js';
import { referenceOrder } from '../support/orders.js';
import { startTestServer } from '../support/startServer.js';

describe('Order service restarted on the same file', () => {
  it('should keep every order and resume the projection from its checkpoint', async () => {
    const first = await startTestServer();
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      ids.push((await requestData(first.url, PlaceOrderDocument, { input: referenceOrder({ customerId: 'cust-restart' }) })).placeOrder.id);
    }
    await requestData(first.url, ReceivePaymentDocument, {
      input: { orderId: ids[0]!, paymentId: 'pay-r', amount: '109.97', method: 'card' },
    });
    const checkpointBefore = (await first.services.projections.status())[0]!.position;
    await first.dispose();

    // While the server is down, another writer appends to the log: the read side must pick it up
    // from its checkpoint at the next start, without re-applying what it had.
    const db = openDatabase(first.databaseFile);
    const store = new SqliteEventStore(db);
    const { lastPosition } = await store.append(
      orderStreamId(ids[1]!),
      ORDER_STREAM_TYPE,
      [
        {
          eventId: crypto.randomUUID(),
          type: 'OrderCancelled',
          schemaVersion: 1,
          data: { orderId: ids[1], reason: 'cancelled offline', refundMinor: 0, cancelledAt: new Date().toISOString() },
          metadata: {
            userId: 'ops',
            correlationId: 'offline',
            causationId: 'offline',
            commandId: 'offline',
            occurredAt: new Date().toISOString(),
          },
        },
      ],
      { expectedVersion: 1 },
    );
    const checkpointRow = db.prepare("SELECT position FROM projection_generations WHERE name = 'orderView' AND live = 1").pluck().get();
    expect(checkpointRow).toBe(checkpointBefore);
    await store.close();

    const second = await startTestServer({ databaseFile: first.databaseFile });
    // Every read model (not only orderView) resumes from its own checkpoint.
    const readModels = await second.services.projections.status();
    expect(readModels.map((readModel) => readModel.name)).toContain('orderView');
    for (const readModel of readModels) expect(readModel).toMatchObject({ state: 'LIVE', position: lastPosition });
    const { orders } = await requestData(second.url, ListOrdersDocument, { customerId: 'cust-restart' });
    expect(orders.totalCount).toBe(3);
    const statuses = await Promise.all(ids.map(async (id) => (await requestData(second.url, GetOrderDocument, { id })).order?.status));
    expect(statuses).toEqual(['PAID', 'CANCELLED', 'PENDING']);

    const { order } = await requestData(second.url, GetOrderDocument, { id: ids[0]! });
    expect(order).toMatchObject({ version: 2, total: { amount: '109.97' } });
    expect(order!.history).toHaveLength(2);

    const { placeOrder } = await requestData(second.url, PlaceOrderDocument, { input: referenceOrder() });
    expect(placeOrder.position).toBe(lastPosition + 1);
    await second.dispose();
  });
});
