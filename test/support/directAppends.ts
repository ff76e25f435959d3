import { randomUUID } from 'node:crypto';
import { eventSchemas } from '../../src/application/eventSchemas.js';
import { ORDER_STREAM_TYPE, orderStreamId } from '../../src/domain/order/index.js';
import type { NewEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';

/** An OrderPlaced event for a new order; `nameLength` pads the item name to make the event bigger. */
export function orderPlaced(orderId: string, nameLength = 10): NewEvent {
  const occurredAt = new Date().toISOString();
  return {
    eventId: randomUUID(),
    type: 'OrderPlaced',
    schemaVersion: eventSchemas.currentVersion('OrderPlaced'),
    data: {
      orderId,
      customerId: 'cust-load',
      items: [{ productId: 'p1', name: 'W'.repeat(nameLength), quantity: 1, unitPriceMinor: 500 }],
      currency: 'USD',
      totalMinor: 500,
      placedAt: occurredAt,
    },
    metadata: { userId: 'load', correlationId: 'load', causationId: 'load', commandId: randomUUID(), occurredAt },
  };
}

/**
 * Places `count` orders straight into the log of `databaseFile` through a second connection, as
 * another process on the same file would: quicker than the API for tens of thousands of events.
 */
export async function placeOrdersDirectly(
  databaseFile: string,
  count: number,
  options: { prefix?: string; nameLength?: number } = {},
): Promise<void> {
  const store = new SqliteEventStore(openDatabase(databaseFile, { synchronous: 'NORMAL' }));
  const prefix = options.prefix ?? `load-${randomUUID().slice(0, 8)}`;
  try {
    for (let start = 0; start < count; start += 100) {
      const batch = Array.from({ length: Math.min(100, count - start) }, (_, i) => `${prefix}-${start + i}`);
      await Promise.all(
        batch.map((orderId) =>
          store.append(orderStreamId(orderId), ORDER_STREAM_TYPE, [orderPlaced(orderId, options.nameLength)], {
            expectedVersion: 'no_stream',
          }),
        ),
      );
    }
  } finally {
    await store.close();
  }
}
