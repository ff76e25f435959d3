import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../../src/eventstore/errors.js';
import type { EventMetadata, EventStore, NewEvent, StoredEvent } from '../../src/eventstore/eventStore.js';

export type EventStoreFactory = () => Promise<{ store: EventStore; dispose: () => Promise<void> }>;

/**
 * The behaviour every EventStore backend must have, written against the EventStore interface only.
 * `factory` must return a store over an empty log; `dispose` must accept a store that is closed already.
 */
export function describeEventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(name, () => {
    let store: EventStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ store, dispose } = await factory());
    });
    afterEach(async () => {
      await dispose();
    });

    /** The stream's eventIds in version order. */
    const streamEventIds = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.eventId);

    describe('append and readStream', () => {
      it('appends to a new stream and reads every field back in version order', async () => {
        const stream = newStreamId('order');
        const events = [
          newEvent('OrderPlaced', { orderId: stream, lines: [{ sku: 'A-1', quantity: 2 }], note: null }),
          newEvent('OrderPaid', { amount: { cents: 1999, currency: 'EUR' } }, { schemaVersion: 2 }),
          newEvent('OrderShipped', { carrier: 'DHL' }, { metadata: { userId: 'user-2' } }),
        ];

        const result = await store.append(stream, 'Order', events, { expectedVersion: 'no_stream' });

        expect(result).toEqual({ nextVersion: 3, lastPosition: await store.headPosition() });
        const stored = await store.readStream(stream);
        expect(stored).toEqual(
          events.map((event, index) => ({
            ...event,
            streamId: stream,
            streamType: 'Order',
            version: index + 1,
            position: expect.any(Number),
          })),
        );
        expectStrictlyIncreasing(stored.map((e) => e.position));
        expect(stored.at(-1)!.position).toBe(result.lastPosition);
      });

      it('reads a stream from a given version', async () => {
        const stream = newStreamId('order');
        const events = [newEvent('A', {}), newEvent('B', {}), newEvent('C', {})];
        await store.append(stream, 'Order', events, { expectedVersion: 'no_stream' });

        const fromTwo = await store.readStream(stream, { fromVersion: 2 });

        expect(fromTwo.map((e) => [e.version, e.eventId])).toEqual([
          [2, events[1]!.eventId],
          [3, events[2]!.eventId],
        ]);
        expect(await store.readStream(stream, { fromVersion: 4 })).toEqual([]);
      });

      it('reads at most `limit` events of a stream, a page at a time', async () => {
        const stream = newStreamId('product');
        await store.append(
          stream,
          'Product',
          ['A', 'B', 'C', 'D', 'E'].map((type) => newEvent(type, {})),
          { expectedVersion: 'no_stream' },
        );

        expect((await store.readStream(stream, { limit: 2 })).map((e) => e.type)).toEqual(['A', 'B']);
        expect((await store.readStream(stream, { fromVersion: 3, limit: 2 })).map((e) => e.type)).toEqual(['C', 'D']);
        expect((await store.readStream(stream, { fromVersion: 5, limit: 2 })).map((e) => e.type)).toEqual(['E']);
        expect(await store.readStream(stream)).toHaveLength(5);
      });

      it('reads an unknown stream as empty', async () => {
        await store.append(newStreamId('order'), 'Order', [newEvent('A', {})], { expectedVersion: 'no_stream' });

        expect(await store.readStream(newStreamId('unknown'))).toEqual([]);
      });

      it('appends when the numeric expectedVersion is the current version', async () => {
        const stream = newStreamId('order');
        const first = [newEvent('A', {}), newEvent('B', {})];
        const second = newEvent('C', {});
        await store.append(stream, 'Order', first, { expectedVersion: 'no_stream' });

        const result = await store.append(stream, 'Order', [second], { expectedVersion: 2 });

        expect(result).toEqual({ nextVersion: 3, lastPosition: await store.headPosition() });
        expect(await streamEventIds(stream)).toEqual([...first, second].map((e) => e.eventId));
        expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3]);
      });

      it("appends with 'any' to a new and to an existing stream", async () => {
        const stream = newStreamId('order');
        const events = [newEvent('A', {}), newEvent('B', {}), newEvent('C', {})];

        const created = await store.append(stream, 'Order', [events[0]!], { expectedVersion: 'any' });
        const extended = await store.append(stream, 'Order', events.slice(1), { expectedVersion: 'any' });

        expect(created.nextVersion).toBe(1);
        expect(extended.nextVersion).toBe(3);
        expect(await streamEventIds(stream)).toEqual(events.map((e) => e.eventId));
      });
    });

    describe('optimistic concurrency', () => {
      it('rejects a wrong numeric expectedVersion with a conflict and writes nothing', async () => {
        const stream = newStreamId('order');
        const existing = [newEvent('A', {}), newEvent('B', {})];
        await store.append(stream, 'Order', existing, { expectedVersion: 'no_stream' });
        const head = await store.headPosition();

        for (const expectedVersion of [1, 5]) {
          const error = await rejectionOf(store.append(stream, 'Order', [newEvent('C', {}), newEvent('D', {})], { expectedVersion }));
          expectConflict(error, { streamId: stream, expectedVersion, actualVersion: 2 });
        }
        const unknown = newStreamId('unknown');
        const error = await rejectionOf(store.append(unknown, 'Order', [newEvent('A', {})], { expectedVersion: 1 }));
        expectConflict(error, { streamId: unknown, expectedVersion: 1, actualVersion: 0 });

        expect(await streamEventIds(stream)).toEqual(existing.map((e) => e.eventId));
        expect(await store.readStream(unknown)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      it("rejects 'no_stream' on an existing stream with a conflict and writes nothing", async () => {
        const stream = newStreamId('order');
        const existing = newEvent('A', {});
        await store.append(stream, 'Order', [existing], { expectedVersion: 'no_stream' });
        const head = await store.headPosition();

        const error = await rejectionOf(store.append(stream, 'Order', [newEvent('B', {})], { expectedVersion: 'no_stream' }));

        expectConflict(error, { streamId: stream, expectedVersion: 'no_stream', actualVersion: 1 });
        expect(await streamEventIds(stream)).toEqual([existing.eventId]);
        expect(await store.headPosition()).toBe(head);
      });

      it("lets exactly one of many concurrent 'no_stream' appends create the stream", async () => {
        const stream = newStreamId('order');
        const attempts = Array.from({ length: 10 }, (_, i) => [newEvent('A', { i }), newEvent('B', { i })]);

        const results = await Promise.allSettled(
          attempts.map((events) => store.append(stream, 'Order', events, { expectedVersion: 'no_stream' })),
        );

        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ExpectedVersionConflictError);
        }
        expect(await streamEventIds(stream)).toEqual(attempts[winners[0]!]!.map((e) => e.eventId));
        expect((await store.readAll()).length).toBe(2);
      });

      it('stores none of the events of a multi-event append that conflicts', async () => {
        const stream = newStreamId('order');
        const first = newEvent('A', {});
        await store.append(stream, 'Order', [first], { expectedVersion: 'no_stream' });
        const batches = [0, 1].map((b) => Array.from({ length: 5 }, (_, i) => newEvent('E', { b, i })));

        const results = await Promise.allSettled(batches.map((events) => store.append(stream, 'Order', events, { expectedVersion: 1 })));

        const winner = results.findIndex((r) => r.status === 'fulfilled');
        const loser = results[1 - winner];
        expect(loser?.status === 'rejected' && loser.reason).toBeInstanceOf(ExpectedVersionConflictError);
        expect(await streamEventIds(stream)).toEqual([first, ...batches[winner]!].map((e) => e.eventId));
        const loserIds = new Set(batches[1 - winner]!.map((e) => e.eventId));
        expect((await store.readAll()).filter((e) => loserIds.has(e.eventId))).toEqual([]);
      });
    });

    describe('duplicate eventIds', () => {
      it('treats re-appending the same events as a no-op that returns the original result', async () => {
        const stream = newStreamId('order');
        const first = [newEvent('A', {}), newEvent('B', {})];
        const second = [newEvent('C', {})];
        const firstResult = await store.append(stream, 'Order', first, { expectedVersion: 'no_stream' });
        await store.append(newStreamId('other'), 'Order', [newEvent('X', {})], { expectedVersion: 'no_stream' });
        const secondResult = await store.append(stream, 'Order', second, { expectedVersion: 2 });
        const log = await store.readAll();

        // Both retries carry an expectedVersion that is stale by now.
        expect(await store.append(stream, 'Order', first, { expectedVersion: 'no_stream' })).toEqual(firstResult);
        expect(await store.append(stream, 'Order', second, { expectedVersion: 2 })).toEqual(secondResult);

        expect(await store.readAll()).toEqual(log);
        expect(await store.headPosition()).toBe(secondResult.lastPosition);
      });

      it('rejects an eventId that is stored in another stream and writes nothing', async () => {
        const taken = newEvent('A', {});
        await store.append(newStreamId('order'), 'Order', [taken], { expectedVersion: 'no_stream' });
        const head = await store.headPosition();
        const stream = newStreamId('order');

        const error = await rejectionOf(store.append(stream, 'Order', [newEvent('B', {}), taken], { expectedVersion: 'no_stream' }));

        expect(error).toBeInstanceOf(DuplicateEventError);
        expect(error).toMatchObject({ code: 'CONFLICT', eventId: taken.eventId });
        expect(await store.readStream(stream)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      it('rejects stored eventIds mixed with new ones and writes nothing', async () => {
        const stream = newStreamId('order');
        const stored = newEvent('A', {});
        await store.append(stream, 'Order', [stored], { expectedVersion: 'no_stream' });
        const head = await store.headPosition();

        for (const events of [
          [stored, newEvent('B', {})],
          [newEvent('B', {}), newEvent('C', {}), stored],
        ]) {
          const error = await rejectionOf(store.append(stream, 'Order', events, { expectedVersion: 'any' }));
          expect(error).toBeInstanceOf(DuplicateEventError);
          expect(error).toMatchObject({ code: 'CONFLICT', eventId: stored.eventId });
        }

        expect(await streamEventIds(stream)).toEqual([stored.eventId]);
        expect(await store.headPosition()).toBe(head);
      });

      it('rejects an eventId repeated within one append and writes nothing', async () => {
        const stream = newStreamId('order');
        const repeated = newEvent('A', {});
        const error = await rejectionOf(store.append(stream, 'Order', [repeated, repeated], { expectedVersion: 'no_stream' }));
        expect(error).toBeInstanceOf(DuplicateEventError);
        expect(error).toMatchObject({ code: 'CONFLICT', eventId: repeated.eventId });
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('invalid appends', () => {
      it('rejects an append without events, and one whose data is not JSON, writing nothing', async () => {
        const stream = newStreamId('order');
        expect(await rejectionOf(store.append(stream, 'Order', [], { expectedVersion: 'any' }))).toBeInstanceOf(TypeError);
        const noData = newEvent('A', undefined);
        expect(await rejectionOf(store.append(stream, 'Order', [noData], { expectedVersion: 'any' }))).toBeInstanceOf(TypeError);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('readAll and headPosition', () => {
      it('reads the events of all streams in position order', async () => {
        const [a, b, c] = [newStreamId('a'), newStreamId('b'), newStreamId('c')];
        const appended: [string, NewEvent][] = [];
        for (const [stream, count] of [
          [a, 2],
          [b, 1],
          [a, 1],
          [c, 3],
          [b, 2],
        ] as const) {
          const events = Array.from({ length: count }, () => newEvent('E', { stream }));
          await store.append(stream, 'Thing', events, { expectedVersion: 'any' });
          appended.push(...events.map((e): [string, NewEvent] => [stream, e]));
        }

        const all = await store.readAll();

        expect(all.map((e) => [e.streamId, e.eventId])).toEqual(appended.map(([s, e]) => [s, e.eventId]));
        expectStrictlyIncreasing(all.map((e) => e.position));
        const streams = [...(await store.readStream(a)), ...(await store.readStream(b)), ...(await store.readStream(c))];
        expect(all).toEqual([...streams].sort((x, y) => x.position - y.position));
      });

      it('narrows readAll to some event types and to one stream', async () => {
        const [a, b] = [newStreamId('a'), newStreamId('b')];
        await store.append(a, 'Thing', [newEvent('Created', {}), newEvent('Renamed', {})], { expectedVersion: 'no_stream' });
        await store.append(b, 'Thing', [newEvent('Created', {}), newEvent('Deleted', {})], { expectedVersion: 'no_stream' });
        await store.append(a, 'Thing', [newEvent('Deleted', {})], { expectedVersion: 2 });

        const typesOf = (events: StoredEvent[]) => events.map((e) => [e.streamId, e.type]);
        expect(typesOf(await store.readAll({ types: ['Created', 'Deleted'] }))).toEqual([
          [a, 'Created'],
          [b, 'Created'],
          [b, 'Deleted'],
          [a, 'Deleted'],
        ]);
        expect(typesOf(await store.readAll({ streamId: a }))).toEqual([
          [a, 'Created'],
          [a, 'Renamed'],
          [a, 'Deleted'],
        ]);
        const [first] = await store.readAll({ streamId: b, types: ['Deleted'] });
        expect(first).toMatchObject({ streamId: b, type: 'Deleted', version: 2 });
        expect(await store.readAll({ types: ['Deleted'], afterPosition: first!.position })).toHaveLength(1);
        expect(await store.readAll({ types: ['Deleted'], afterPosition: first!.position, limit: 0 })).toEqual([]);
      });

      it('narrows readAll to the given streams, in position order', async () => {
        const [mine, theirs, alsoMine] = [newStreamId('mine'), newStreamId('theirs'), newStreamId('also')];
        await store.append(mine, 'Order', [newEvent('Placed', { customerId: 'c-1' })], { expectedVersion: 'no_stream' });
        await store.append(theirs, 'Order', [newEvent('Placed', { customerId: 'c-2' })], { expectedVersion: 'no_stream' });
        await store.append(mine, 'Order', [newEvent('Paid', {})], { expectedVersion: 1 });
        await store.append(alsoMine, 'Order', [newEvent('Placed', { customerId: 'c-1' }), newEvent('Cancelled', {})], {
          expectedVersion: 'no_stream',
        });
        await store.append(theirs, 'Order', [newEvent('Paid', {})], { expectedVersion: 1 });

        const streams = [alsoMine, mine, mine, newStreamId('unknown')];
        const wanted = await store.readAll({ streamIds: streams });
        const all = await store.readAll();
        expect(wanted).toEqual(all.filter((e) => e.streamId === mine || e.streamId === alsoMine));
        const [, second, ...rest] = wanted;
        expect(await store.readAll({ streamIds: streams, afterPosition: second!.position })).toEqual(rest);
        expect(await store.readAll({ streamIds: streams, limit: 2 })).toEqual(wanted.slice(0, 2));
        expect((await store.readAll({ streamIds: streams, types: ['Paid', 'Cancelled'] })).map((e) => e.type)).toEqual([
          'Paid',
          'Cancelled',
        ]);
        expect(await store.readAll({ streamIds: streams, streamId: alsoMine })).toEqual(wanted.filter((e) => e.streamId === alsoMine));
        expect(await store.readAll({ streamIds: streams, streamId: theirs })).toEqual([]);
        expect(await store.readAll({ streamIds: [] })).toEqual([]);
      });

      it('reads one stream after a position, in order, a page at a time', async () => {
        const [a, b] = [newStreamId('a'), newStreamId('b')];
        for (let i = 0; i < 4; i += 1) {
          await store.append(a, 'Thing', [newEvent('E', { i })], { expectedVersion: 'any' });
          await store.append(b, 'Thing', [newEvent('E', { i })], { expectedVersion: 'any' });
        }
        const stream = await store.readStream(a);

        expect(await store.readAll({ streamId: a, afterPosition: stream[0]!.position, limit: 2 })).toEqual(stream.slice(1, 3));
        expect(await store.readAll({ streamId: a, afterPosition: stream[2]!.position })).toEqual(stream.slice(3));
      });

      it('pages through the whole log with afterPosition and limit, with no gap and no duplicate', async () => {
        const streams = [newStreamId('a'), newStreamId('b'), newStreamId('c')];
        const appended: NewEvent[] = [];
        for (let i = 0; i < 25; i += 1) {
          const event = newEvent('E', { i });
          await store.append(streams[i % 3]!, 'Thing', [event], { expectedVersion: 'any' });
          appended.push(event);
        }

        const pages: StoredEvent[][] = [];
        let after = 0;
        while (pages.length <= 10) {
          const page = await store.readAll({ afterPosition: after, limit: 7 });
          if (page.length === 0) break;
          pages.push(page);
          after = page.at(-1)!.position;
        }

        expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
        const paged = pages.flat();
        expect(paged.map((e) => e.eventId)).toEqual(appended.map((e) => e.eventId));
        expectStrictlyIncreasing(paged.map((e) => e.position));
        expect(after).toBe(await store.headPosition());
      });

      it('reads nothing past the head', async () => {
        await store.append(newStreamId('a'), 'Thing', [newEvent('A', {}), newEvent('B', {})], {
          expectedVersion: 'no_stream',
        });
        const head = await store.headPosition();

        expect(await store.readAll({ afterPosition: head })).toEqual([]);
        expect(await store.readAll({ afterPosition: head + 100 })).toEqual([]);
        expect(await store.readAll({ afterPosition: head - 1 })).toHaveLength(1);
      });

      it('reports 0 for an empty log and the last position after appends', async () => {
        expect(await store.headPosition()).toBe(0);
        expect(await store.readAll()).toEqual([]);

        const first = await store.append(newStreamId('a'), 'Thing', [newEvent('A', {})], { expectedVersion: 'any' });
        expect(await store.headPosition()).toBe(first.lastPosition);
        const second = await store.append(newStreamId('b'), 'Thing', [newEvent('B', {}), newEvent('C', {})], {
          expectedVersion: 'any',
        });

        expect(second.lastPosition).toBeGreaterThan(first.lastPosition);
        expect(await store.headPosition()).toBe(second.lastPosition);
        expect((await store.readAll()).at(-1)!.position).toBe(second.lastPosition);
      });
    });

    describe('idempotency keys (commandId chosen by the client)', () => {
      const commandEvents = (commandId: string, fingerprint: string, types: string[]) =>
        types.map((type) => newEvent(type, {}, { metadata: { commandId, causationId: commandId, commandFingerprint: fingerprint } }));

      it('finds the events a command appended by its commandId, and nothing for an unknown one', async () => {
        const stream = newStreamId('order');
        await store.append(stream, 'Order', [newEvent('A', {})], { expectedVersion: 'no_stream' });
        const commandId = randomUUID();
        const result = await store.append(stream, 'Order', commandEvents(commandId, 'fp-1', ['B', 'C']), {
          expectedVersion: 1,
          idempotencyKey: commandId,
        });

        expect(await store.findCommand(commandId)).toEqual({
          streamId: stream,
          firstVersion: 2,
          lastVersion: 3,
          lastPosition: result.lastPosition,
          fingerprint: 'fp-1',
        });
        expect(await store.findCommand(randomUUID())).toBeUndefined();
      });

      it('finds several commands at once, each with its events types, also when one append holds several commands', async () => {
        const stream = newStreamId('product');
        const [first, second, unknown] = [randomUUID(), randomUUID(), randomUUID()];
        // A process's batch: one append, each event the outcome of a command of its own.
        const result = await store.append(
          stream,
          'Product',
          [...commandEvents(first, 'fp-1', ['Reserved']), ...commandEvents(second, 'fp-2', ['Rejected'])],
          { expectedVersion: 'no_stream' },
        );
        const third = randomUUID();
        await store.append(newStreamId('order'), 'Order', commandEvents(third, 'fp-3', ['A', 'B']), {
          expectedVersion: 'no_stream',
          idempotencyKey: third,
        });

        const found = await store.findCommands([first, second, third, unknown]);

        expect(found.get(first)).toEqual({
          streamId: stream,
          firstVersion: 1,
          lastVersion: 1,
          lastPosition: result.lastPosition - 1,
          fingerprint: 'fp-1',
          eventTypes: ['Reserved'],
        });
        expect(found.get(second)).toMatchObject({
          firstVersion: 2,
          lastVersion: 2,
          lastPosition: result.lastPosition,
          eventTypes: ['Rejected'],
        });
        expect(found.get(third)).toMatchObject({ firstVersion: 1, lastVersion: 2, eventTypes: ['A', 'B'] });
        expect(found.has(unknown)).toBe(false);
        expect((await store.findCommands([])).size).toBe(0);
      });

      it('answers a second append with the same key and fingerprint as the first did, and stores nothing', async () => {
        const stream = newStreamId('order');
        const key = randomUUID();
        const first = await store.append(stream, 'Order', commandEvents(key, 'fp', ['A']), {
          expectedVersion: 'no_stream',
          idempotencyKey: key,
        });

        // The retry read the stream before the first append landed: its expected version is stale.
        const retry = await store.append(newStreamId('elsewhere'), 'Order', commandEvents(key, 'fp', ['A']), {
          expectedVersion: 'no_stream',
          idempotencyKey: key,
        });

        expect(retry).toEqual({ ...first, replayed: true });
        expect(await store.headPosition()).toBe(first.lastPosition);
      });

      it('refuses the same key with another fingerprint with IdempotencyKeyReusedError, and stores nothing', async () => {
        const stream = newStreamId('order');
        const key = randomUUID();
        await store.append(stream, 'Order', commandEvents(key, 'fp-a', ['A']), { expectedVersion: 'no_stream', idempotencyKey: key });
        const head = await store.headPosition();

        const error = await rejectionOf(
          store.append(stream, 'Order', commandEvents(key, 'fp-b', ['B']), { expectedVersion: 1, idempotencyKey: key }),
        );

        expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
        expect(error).toMatchObject({ code: 'CONFLICT', commandId: key });
        expect(await store.headPosition()).toBe(head);
      });

      it('lets exactly one of many concurrent appends with one key store its events', async () => {
        const key = randomUUID();
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.append(newStreamId('order'), 'Order', commandEvents(key, 'fp', ['A']), {
              expectedVersion: 'no_stream',
              idempotencyKey: key,
            }),
          ),
        );

        expect(results.filter((result) => !result.replayed)).toHaveLength(1);
        expect(new Set(results.map((result) => result.lastPosition)).size).toBe(1);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('refuses, before any I/O, events whose commandId is not the key', async () => {
        const error = await rejectionOf(
          store.append(newStreamId('order'), 'Order', [newEvent('A', {})], { expectedVersion: 'no_stream', idempotencyKey: 'key-1' }),
        );
        expect(error).toBeInstanceOf(TypeError);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('readCorrelation', () => {
      it('returns the events of every stream with that correlationId, in position order', async () => {
        const correlationId = randomUUID();
        const order = newStreamId('order');
        const product = newStreamId('product');
        const tagged = (type: string) => newEvent(type, {}, { metadata: { correlationId } });
        await store.append(order, 'Order', [tagged('OrderPlaced')], { expectedVersion: 'no_stream' });
        await store.append(newStreamId('other'), 'Order', [newEvent('OrderPlaced', {})], { expectedVersion: 'no_stream' });
        await store.append(product, 'Product', [tagged('StockReserved')], { expectedVersion: 'any' });
        await store.append(order, 'Order', [tagged('OrderCancelled')], { expectedVersion: 1 });

        const story = await store.readCorrelation(correlationId);

        expect(story.map((event) => [event.streamId, event.type])).toEqual([
          [order, 'OrderPlaced'],
          [product, 'StockReserved'],
          [order, 'OrderCancelled'],
        ]);
        expectStrictlyIncreasing(story.map((event) => event.position));
        expect(await store.readCorrelation(correlationId, { limit: 2 })).toHaveLength(2);
        expect(await store.readCorrelation(randomUUID())).toEqual([]);
      });
    });

    describe('close', () => {
      it('rejects every operation after close', async () => {
        const stream = newStreamId('a');
        await store.append(stream, 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });

        await store.close();

        await expect(store.append(stream, 'Thing', [newEvent('B', {})], { expectedVersion: 'any' })).rejects.toThrow();
        await expect(store.readStream(stream)).rejects.toThrow();
        await expect(store.readAll()).rejects.toThrow();
        await expect(store.headPosition()).rejects.toThrow();
      });
    });
  });
}

function newStreamId(label: string): string {
  return `${label}-${randomUUID()}`;
}

/** The error a promise rejects with; fails the test when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    return expect.fail(`Expected a rejection, but it resolved with ${JSON.stringify(value)}`);
  } catch (error) {
    return error;
  }
}

function expectConflict(
  error: unknown,
  expected: Pick<ExpectedVersionConflictError, 'streamId' | 'expectedVersion' | 'actualVersion'>,
): void {
  expect(error).toBeInstanceOf(ExpectedVersionConflictError);
  expect(error).toMatchObject({ code: 'CONFLICT', ...expected });
}

function expectStrictlyIncreasing(values: number[]): void {
  for (const [index, value] of values.slice(1).entries()) expect(value).toBeGreaterThan(values[index]!);
}

/** A new event with a fresh eventId and full metadata; `overrides.metadata` is merged into the defaults. */
export function newEvent(
  type: string,
  data: unknown,
  overrides: Partial<Omit<NewEvent, 'metadata'>> & { metadata?: Partial<EventMetadata> } = {},
): NewEvent {
  const { metadata, ...rest } = overrides;
  const commandId = randomUUID();
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: {
      userId: 'user-1',
      correlationId: randomUUID(),
      causationId: commandId,
      commandId,
      occurredAt: new Date().toISOString(),
      ...metadata,
    },
    ...rest,
  };
}
