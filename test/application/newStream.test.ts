import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderCommands } from '../../src/application/orderCommands.js';
import { ORDER_STREAM_TYPE, type PlaceOrder } from '../../src/domain/order/index.js';
import { ExpectedVersionConflictError } from '../../src/eventstore/errors.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';

const META = { userId: 'user-1', correlationId: 'corr-1' };
const place = (orderId: string): PlaceOrder => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    customerId: 'c-1',
    items: [{ productId: 'p-1', name: 'Widget', quantity: 1, unitPriceMinor: 2999 }],
    currency: 'USD',
    now: '2026-12-04T12:00:00.000Z',
  },
});

describe('A command on a stream whose id it just made (newStream)', () => {
  let directory: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-new-stream-'));
    store = new SqliteEventStore(openDatabase(join(directory, 'events.db')));
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads nothing of the log and appends the first events', async () => {
    const reads = vi.spyOn(store, 'readStream');

    const result = await new OrderCommands(store).execute(place('o-new'), META, { newStream: true });

    expect(reads).not.toHaveBeenCalled();
    expect(result).toMatchObject({ nextVersion: 1, replayed: false });
    expect(await store.readStream(`order-o-new`)).toMatchObject([{ streamType: ORDER_STREAM_TYPE, type: 'OrderPlaced', version: 1 }]);
  });

  it('still refuses a stream that exists: the append insists on none, and the retry loads it', async () => {
    const commands = new OrderCommands(store);
    await commands.execute(place('o-taken'), META);
    const reads = vi.spyOn(store, 'readStream');

    // The order exists: the retry after the lost append loads it, and the decider refuses a second placement.
    await expect(commands.execute(place('o-taken'), META, { newStream: true })).rejects.toThrow();
    expect(reads).toHaveBeenCalled();
    await expect(commands.execute(place('o-taken'), META, { newStream: true, maxAttempts: 1 })).rejects.toBeInstanceOf(
      ExpectedVersionConflictError,
    );
    expect(await store.readStream('order-o-taken')).toHaveLength(1);
  });

  it('returns the events as the log stores them, so an answer needs no read of them', async () => {
    const commands = new OrderCommands(store);
    await commands.execute(place('o-other'), META);
    const placed = await commands.execute(place('o-stored'), META, { newStream: true });
    const paid = await commands.execute(
      {
        type: 'ReceivePayment',
        data: { orderId: 'o-stored', paymentId: 'pay-1', amountMinor: 2999, scale: 2, method: 'card', now: '2026-12-04T12:01:00.000Z' },
      },
      META,
    );

    const log = await store.readStream('order-o-stored');
    expect(placed.stored).toEqual(log.slice(0, 1));
    expect(paid.stored).toEqual(log.slice(1));
    // Positions in the whole log, not in the stream.
    expect(placed.stored![0]!.position).toBe(2);
  });
});
