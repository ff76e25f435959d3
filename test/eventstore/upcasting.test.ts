import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventSchemas } from '../../src/application/eventSchemas.js';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { UnreadableEventError } from '../../src/eventstore/upcasting/unreadableEventError.js';
import { UpcastingEventStore } from '../../src/eventstore/upcasting/upcastingEventStore.js';

const legacyEvents: StoredEvent[] = readFileSync(new URL('../fixtures/legacy-orders.ndjson', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as StoredEvent);

const legacy = (position: number) => legacyEvents.find((event) => event.position === position)!;

describe("Upcasting the older system's events", () => {
  it("should read a legacy OrderPlaced v1 as today's OrderPlaced, in exact cents", () => {
    expect(eventSchemas.upcast(legacy(1))).toMatchObject({
      type: 'OrderPlaced',
      schemaVersion: 4,
      data: {
        orderId: 'L-1001',
        customerId: 'cust-legacy-1',
        items: [
          { productId: 'p-widget', name: 'Widget', quantity: 2, unitPriceMinor: 2999 },
          { productId: 'p-gadget', name: 'Gadget', quantity: 1, unitPriceMinor: 4999 },
        ],
        currency: 'USD',
        totalMinor: 10997,
        scale: 2,
        placedAt: '2023-03-01T10:00:00.000Z',
      },
    });
  });

  it('should drop the float noise of the old arithmetic: 0.1 + 0.2 dollars is 30 cents', () => {
    expect(eventSchemas.upcast(legacy(3)).data).toMatchObject({ totalMinor: 30 });
    expect(eventSchemas.upcast(legacy(4)).data).toMatchObject({ amountMinor: 30 });
    expect(eventSchemas.upcast(legacy(5)).data).toMatchObject({ totalMinor: 5985 }); // 3 × 19.95, stored as 59.849999…
  });

  it('should read PaymentTaken v1 as PaymentReceived, the transaction id as the payment id', () => {
    expect(eventSchemas.upcast(legacy(2))).toMatchObject({
      type: 'PaymentReceived',
      schemaVersion: 2,
      position: 2,
      eventId: legacy(2).eventId,
      data: {
        orderId: 'L-1001',
        paymentId: 'txn-9001',
        amountMinor: 10997,
        scale: 2,
        method: 'card',
        receivedAt: '2023-03-01T10:05:00.000Z',
      },
    });
  });

  it("should read an OrderPlaced v1 written by orderstream's first releases unchanged", () => {
    const early = legacy(8);
    expect(eventSchemas.upcast(early)).toEqual({
      ...early,
      schemaVersion: 4,
      data: { ...(early.data as object), scale: 2, shipping: null },
    });
  });

  it('should read the money events from before amounts recorded their scale as hundredths, amounts untouched', () => {
    const stored = (type: string, schemaVersion: number, data: object) => ({ ...legacy(6), type, schemaVersion, data });
    const kwdOrder = {
      orderId: 'k',
      customerId: 'c',
      items: [{ productId: 'p', name: 'n', quantity: 1, unitPriceMinor: 1234 }],
      currency: 'KWD',
      totalMinor: 1234,
      placedAt: 'x',
    };
    expect(eventSchemas.upcast(stored('OrderPlaced', 2, kwdOrder))).toMatchObject({
      schemaVersion: 4,
      data: { ...kwdOrder, scale: 2, shipping: null },
    });
    const payment = { orderId: 'k', paymentId: 'p', amountMinor: 1234, method: 'card', receivedAt: 'x' };
    expect(eventSchemas.upcast(stored('PaymentReceived', 1, payment))).toMatchObject({ schemaVersion: 2, data: { ...payment, scale: 2 } });
    const cancelled = { orderId: 'k', reason: 'r', refundMinor: 1234, cancelledAt: 'x' };
    expect(eventSchemas.upcast(stored('OrderCancelled', 1, cancelled))).toMatchObject({
      schemaVersion: 2,
      data: { ...cancelled, scale: 2 },
    });
    const kwd = { amountMinor: 1234, currency: 'KWD' };
    const added = { productId: 'p', name: 'n', onHand: 1, price: kwd, addedAt: 'x' };
    expect(eventSchemas.upcast(stored('ProductAdded', 2, added))).toMatchObject({
      schemaVersion: 3,
      data: { ...added, price: { ...kwd, scale: 2 } },
    });
    const repriced = { productId: 'p', previousPrice: null, price: kwd, changedAt: 'x' };
    expect(eventSchemas.upcast(stored('PriceChanged', 1, repriced))).toMatchObject({
      schemaVersion: 2,
      data: { ...repriced, price: { ...kwd, scale: 2 } },
    });
    expect(() => eventSchemas.upcast({ ...stored('PriceChanged', 1, { ...repriced, price: null }), position: 14 })).toThrow(
      /position 14 \(PriceChanged v1\).*price must be an object/,
    );
  });

  it('should leave events in the current shape as they are', () => {
    const shipped = legacy(6);
    expect(eventSchemas.upcast(shipped)).toBe(shipped);
  });

  it('should stop at an event type it does not know, naming the type and the position', () => {
    const unknown = { ...legacy(2), position: 77, type: 'GiftWrapped' };
    expect(() => eventSchemas.upcast(unknown)).toThrow(UnreadableEventError);
    expect(() => eventSchemas.upcast(unknown)).toThrow(
      'Event at position 77 (GiftWrapped v1) cannot be read: this server knows no event type GiftWrapped',
    );
  });

  it("should stop at a schema version newer than this server's", () => {
    const newer = { ...legacy(6), position: 9, schemaVersion: 3 };
    expect(() => eventSchemas.upcast(newer)).toThrow(/position 9 \(OrderShipped v3\).*newer than this server's v1/);
  });

  it('should read a ProductAdded v1, from before products had prices, as current shape without a price', () => {
    const v1 = {
      ...legacy(6),
      streamId: 'product-lamp',
      streamType: 'Product',
      type: 'ProductAdded',
      schemaVersion: 1,
      data: { productId: 'lamp', name: 'Desk lamp', onHand: 4, addedAt: '2024-06-01T09:00:00.000Z' },
    };
    expect(eventSchemas.upcast(v1)).toEqual({ ...v1, schemaVersion: 3, data: { ...v1.data, price: null } });
    expect(() => eventSchemas.upcast({ ...v1, position: 13, data: 'lamp' })).toThrow(
      /position 13 \(ProductAdded v1\).*data must be an object/,
    );
  });

  it('should stop at legacy data that is not whole cents, naming the field', () => {
    const oddPrice = {
      ...legacy(1),
      position: 12,
      data: { ...(legacy(1).data as object), items: [{ productId: 'p', name: 'n', qty: 1, price: 0.001 }] },
    };
    expect(() => eventSchemas.upcast(oddPrice)).toThrow(
      /position 12 \(OrderPlaced v1\).*items\[0\]\.price 0\.001 is not an amount of whole cents/,
    );
  });
});

describe('UpcastingEventStore over a SQLite log holding legacy events', () => {
  let directory: string;
  let raw: SqliteEventStore;
  let store: UpcastingEventStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-upcasting-'));
    raw = new SqliteEventStore(openDatabase(join(directory, 'log.db')));
    store = new UpcastingEventStore(raw, eventSchemas);
    for (const event of legacyEvents) {
      const { streamId, streamType, version, position: _position, ...newEvent } = event;
      await raw.append(streamId, streamType, [newEvent], { expectedVersion: version === 1 ? 'no_stream' : version - 1 });
    }
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('should upcast on every read and never rewrite what is stored', async () => {
    const history = await store.readStream('order-L-1001');
    expect(history.map((event) => [event.type, event.schemaVersion])).toEqual([
      ['OrderPlaced', 4],
      ['PaymentReceived', 2],
      ['OrderShipped', 1],
    ]);
    expect((await store.readAll()).map((event) => event.type)).not.toContain('PaymentTaken');
    const stored = await raw.readStream('order-L-1001');
    expect(stored.map((event) => [event.type, event.schemaVersion, event.data])).toEqual(
      legacyEvents.filter((event) => event.streamId === 'order-L-1001').map((event) => [event.type, event.schemaVersion, event.data]),
    );
  });

  it('should find legacy events under their current type when reading by type', async () => {
    const payments = await store.readAll({ types: ['PaymentReceived'] });
    expect(payments.map((event) => [event.streamId, event.type, (event.data as { amountMinor: number }).amountMinor])).toEqual([
      ['order-L-1001', 'PaymentReceived', 10997],
      ['order-L-1002', 'PaymentReceived', 30],
    ]);
  });

  it('should fail a read that reaches an unknown event, naming it, rather than skip it', async () => {
    await raw.append('order-L-1003', 'Order', [{ ...legacyEvents[0]!, eventId: 'e-unknown', type: 'GiftWrapped', data: {} }], {
      expectedVersion: 2,
    });
    const head = await raw.headPosition();
    await expect(store.readAll()).rejects.toThrow(`Event at position ${head} (GiftWrapped v1) cannot be read`);
    await expect(store.readStream('order-L-1003')).rejects.toThrow(UnreadableEventError);
    expect(await store.readStream('order-L-1001')).toHaveLength(3);
  });
});
