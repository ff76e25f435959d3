import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientIdempotencyKey } from '../../src/application/idempotencyKeys.js';
import { OrderCommands } from '../../src/application/orderCommands.js';
import type { OrderCommand } from '../../src/domain/order/index.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';

const NOW = '2026-12-03T10:00:00.000Z';
const place = (orderId: string): OrderCommand => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    customerId: 'c-1',
    items: [{ productId: 'p1', name: 'Widget', quantity: 1, unitPriceMinor: 500 }],
    currency: 'USD',
    now: NOW,
  },
});
const metadata = { userId: 'user-c-1', correlationId: 'c', occurredAt: NOW };

/** A retry that crosses the upgrade to scoped keys: its command was stored under the bare commandId. */
describe('Idempotency keys recorded before they were scoped', () => {
  let directory: string;
  let store: SqliteEventStore;
  let orders: OrderCommands;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-keys-'));
    store = new SqliteEventStore(openDatabase(join(directory, 'log.db')));
    orders = new OrderCommands(store);
    // As an older server stored it: the bare commandId as the key.
    await orders.execute(place('o-1'), metadata, { idempotency: { key: 'retry-me', fingerprint: 'fp-of-user-c-1' } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const scoped = (fingerprint: string) => ({ key: clientIdempotencyKey('user-c-1', 'retry-me'), commandId: 'retry-me', fingerprint });

  it('should answer a retry with the same fingerprint as the original did, and write nothing', async () => {
    const retried = await orders.execute(place('o-2'), metadata, { idempotency: scoped('fp-of-user-c-1') });
    expect(retried).toMatchObject({ replayed: true, streamId: 'order-o-1' });
    expect(await store.headPosition()).toBe(1);
  });

  it("should not take another user's (or another input's) bare key for this command", async () => {
    const other = await orders.execute(place('o-2'), metadata, { idempotency: scoped('fp-of-someone-else') });
    expect(other).toMatchObject({ replayed: false, streamId: 'order-o-2' });
  });
});
