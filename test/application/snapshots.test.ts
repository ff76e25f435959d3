import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type LoadedAggregate,
  loadAggregate,
  type SnapshotPolicy,
  saveSnapshotIfDue,
} from '../../src/application/snapshots/loadAggregate.js';
import type { Snapshot, SnapshotStore } from '../../src/eventstore/snapshotStore.js';
import type { Decider } from '../../src/domain/decider.js';
import { StorageUnavailableError } from '../../src/eventstore/errors.js';
import type { EventStore, NewEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../../src/eventstore/sqlite/sqliteSnapshotStore.js';

let directory: string;
let file: string;
let db: Database.Database;
let events: SqliteEventStore;
let snapshots: SqliteSnapshotStore;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'orderstream-snapshots-'));
  file = join(directory, 'orderstream.db');
  db = openDatabase(file);
  events = new SqliteEventStore(db);
  snapshots = new SqliteSnapshotStore(db);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await events.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('Cart with snapshots', () => {
  describe('when the stream has 10,000 events', () => {
    it('should load to the same state with and without snapshots, reading only the events after the snapshot', async () => {
      const policy: SnapshotPolicy = { store: snapshots, every: 100, stateSchemaVersion: 1 };
      await appendCartEvents(events, 0, 9_890);
      // The first command folds 9,890 events and saves at 9,891; 100 events later one saves at 9,991.
      for (let index = 9_890; index < 10_000; index++) await handle(policy, index);

      const without = await loadAggregate(events, cartDecider, streamId);
      const reads = recordReads(events);
      const withSnapshots = await loadAggregate(events, cartDecider, streamId, policy);

      expect(without).toEqual({ state: referenceCart(10_000), version: 10_000, eventsSinceSnapshot: 10_000 });
      expect(withSnapshots.state).toEqual(without.state);
      expect(withSnapshots.version).toBe(10_000);
      expect((await snapshots.load(streamId, 1))?.version).toBe(9_991);
      expect(withSnapshots.eventsSinceSnapshot).toBe(9);
      // The snapshot's own event (proof the log is not behind it), then the 9 after it.
      expect(await reads()).toEqual([{ fromVersion: 9_991, rows: 10 }]);
    });
  });

  describe('when the snapshot has another state schema version', () => {
    it('should ignore it, then replace it on the next save', async () => {
      await appendCartEvents(events, 0, 250);
      await snapshots.save(snapshot({ version: 250, stateSchemaVersion: 1, state: bogusCart }));
      const policy: SnapshotPolicy = { store: snapshots, every: 100, stateSchemaVersion: 2 };

      const loaded = await loadAggregate(events, cartDecider, streamId, policy);
      expect(loaded).toEqual({ state: referenceCart(250), version: 250, eventsSinceSnapshot: 250 });

      await handle(policy, 250);
      expect(await snapshots.load(streamId, 1)).toBeUndefined();
      const replaced = await snapshots.load(streamId, 2);
      expect(replaced).toMatchObject({ version: 251, stateSchemaVersion: 2, state: referenceCart(251) });
    });
  });

  describe('when every snapshot is deleted', () => {
    it('should answer the same', async () => {
      const policy: SnapshotPolicy = { store: snapshots, every: 100, stateSchemaVersion: 1 };
      await appendCartEvents(events, 0, 1_000);
      for (let index = 1_000; index < 1_150; index++) await handle(policy, index);
      const before = await loadAggregate(events, cartDecider, streamId, policy);
      expect(before.eventsSinceSnapshot).toBeLessThan(100);

      await snapshots.deleteAll();
      expect(await snapshots.load(streamId, 1)).toBeUndefined();
      const after = await loadAggregate(events, cartDecider, streamId, policy);

      expect(after).toEqual({ state: before.state, version: before.version, eventsSinceSnapshot: 1_150 });
      expect(after.state).toEqual(referenceCart(1_150));
      expect(cartDecider.decide(cartCommand(1_150), after.state)).toEqual(cartDecider.decide(cartCommand(1_150), before.state));
    });
  });

  describe('when the snapshot is ahead of the log', () => {
    it('should ignore it, and not use it once the log has grown past it', async () => {
      const policy: SnapshotPolicy = { store: snapshots, every: 100, stateSchemaVersion: 1 };
      await appendCartEvents(events, 0, 150);
      // As after a log restored from an older export while the snapshots stayed.
      await snapshots.save(snapshot({ version: 300, stateSchemaVersion: 1, state: bogusCart }));

      expect(await loadAggregate(events, cartDecider, streamId, policy)).toEqual({
        state: referenceCart(150),
        version: 150,
        eventsSinceSnapshot: 150,
      });

      // Other events now take versions 151…400; the old snapshot at 300 must not be read as theirs.
      await appendCartEvents(events, 150, 250);
      expect(await loadAggregate(events, cartDecider, streamId, policy)).toEqual({
        state: referenceCart(400),
        version: 400,
        eventsSinceSnapshot: 400,
      });
    });
  });

  describe('when commands run one after another', () => {
    it('should save a snapshot every N events', async () => {
      const policy: SnapshotPolicy = { store: snapshots, every: 10, stateSchemaVersion: 1 };
      const versionsSeen = new Set<number>();
      for (let index = 0; index < 35; index++) {
        await handle(policy, index);
        const saved = await snapshots.load(streamId, 1);
        if (saved) versionsSeen.add(saved.version);
      }
      expect([...versionsSeen]).toEqual([10, 20, 30]);
      expect((await snapshots.load(streamId, 1))?.state).toEqual(referenceCart(30));
    });

    it('should save every 4 events by default', async () => {
      const policy: SnapshotPolicy = { store: snapshots, stateSchemaVersion: 1 };
      for (let index = 0; index < 3; index++) await handle(policy, index);
      expect(await snapshots.load(streamId, 1)).toBeUndefined();

      await handle(policy, 3);
      expect((await snapshots.load(streamId, 1))?.version).toBe(4);
    });
  });

  describe('when the snapshot store fails', () => {
    it('should still run every command, and warn', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const failing: SnapshotStore = {
        load: () => Promise.reject(new StorageUnavailableError('disk I/O error')),
        save: () => Promise.reject(new StorageUnavailableError('disk full')),
        discard: () => Promise.reject(new StorageUnavailableError('disk I/O error')),
        deleteAll: () => Promise.reject(new StorageUnavailableError('disk I/O error')),
      };
      const policy: SnapshotPolicy = { store: failing, every: 100, stateSchemaVersion: 1 };

      for (let index = 0; index < 101; index++) await handle(policy, index);

      expect(await loadAggregate(events, cartDecider, streamId)).toEqual({
        state: referenceCart(101),
        version: 101,
        eventsSinceSnapshot: 101,
      });
      const saveWarnings = warn.mock.calls.filter(([message]) => String(message).includes('not saved'));
      expect(saveWarnings.map(([message]) => message)).toEqual([
        `Snapshot of ${streamId} at version 100 not saved; loads fold more events until one is`,
        `Snapshot of ${streamId} at version 101 not saved; loads fold more events until one is`,
      ]);
    });
  });
});

describe('SqliteSnapshotStore', () => {
  it('should keep the higher version of the same state schema', async () => {
    await snapshots.save(snapshot({ version: 200, stateSchemaVersion: 1, state: referenceCart(200) }));
    await snapshots.save(snapshot({ version: 100, stateSchemaVersion: 1, state: referenceCart(100) }));

    expect(await snapshots.load(streamId, 1)).toMatchObject({ version: 200, state: referenceCart(200) });
  });

  it('should replace a snapshot of another state schema version, even a higher one', async () => {
    await snapshots.save(snapshot({ version: 500, stateSchemaVersion: 1, state: bogusCart }));
    await snapshots.save(snapshot({ version: 200, stateSchemaVersion: 2, state: referenceCart(200) }));

    expect(await snapshots.load(streamId, 1)).toBeUndefined();
    expect(await snapshots.load(streamId, 2)).toMatchObject({ version: 200, stateSchemaVersion: 2 });
  });

  it('should discard only the snapshot at the given version', async () => {
    await snapshots.save(snapshot({ version: 200, stateSchemaVersion: 1, state: referenceCart(200) }));
    await snapshots.discard(streamId, 100);
    expect((await snapshots.load(streamId, 1))?.version).toBe(200);

    await snapshots.discard(streamId, 200);
    expect(await snapshots.load(streamId, 1)).toBeUndefined();
  });

  it('should keep snapshots in the log file, with every field', async () => {
    const saved = snapshot({ version: 42, stateSchemaVersion: 3, state: referenceCart(42) });
    await snapshots.save(saved);
    await events.close();

    db = openDatabase(file);
    events = new SqliteEventStore(db);
    expect(await new SqliteSnapshotStore(db).load(streamId, 3)).toEqual(saved);
  });

  it('should refuse a state that is not JSON', async () => {
    await expect(snapshots.save(snapshot({ version: 1, stateSchemaVersion: 1, state: { count: 1n } }))).rejects.toThrow(TypeError);
    await expect(snapshots.save(snapshot({ version: 1, stateSchemaVersion: 1, state: undefined }))).rejects.toThrow(TypeError);
    expect(await snapshots.load(streamId, 1)).toBeUndefined();
  });

  it('should reject with StorageUnavailableError once the database is closed', async () => {
    await events.close();

    await expect(snapshots.load(streamId, 1)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(snapshots.save(snapshot({ version: 1, stateSchemaVersion: 1, state: {} }))).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });
});

/**
 * One command as handleCommand will run it with snapshots: load, decide, append with the version
 * read, then save a snapshot when due.
 */
async function handle(policy: SnapshotPolicy, index: number): Promise<LoadedAggregate<Cart>> {
  const loaded = await loadAggregate(events, cartDecider, streamId, policy);
  const decided = cartDecider.decide(cartCommand(index), loaded.state);
  const { nextVersion } = await events.append(streamId, 'Cart', decided.map(toNewEvent), {
    expectedVersion: loaded.version === 0 ? 'no_stream' : loaded.version,
  });
  const state = decided.reduce(cartDecider.evolve, loaded.state);
  await saveSnapshotIfDue(policy, streamId, state, nextVersion, loaded.eventsSinceSnapshot + decided.length);
  return { state, version: nextVersion, eventsSinceSnapshot: loaded.eventsSinceSnapshot + decided.length };
}

/** Appends the events commands `from` … `from + count - 1` produce, 1,000 per append. */
async function appendCartEvents(store: EventStore, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 1_000) {
    const end = Math.min(start + 1_000, from + count);
    const chunk = Array.from({ length: end - start }, (_, offset) => toNewEvent(cartEvent(start + offset)));
    await store.append(streamId, 'Cart', chunk, { expectedVersion: start === 0 ? 'no_stream' : start });
  }
}

/** From now on, what each readStream of `store` asks for and how many events it returns. */
function recordReads(store: EventStore): () => Promise<{ fromVersion: number; rows: number }[]> {
  const readStream = vi.spyOn(store, 'readStream');
  return async () =>
    Promise.all(
      readStream.mock.calls.map(async ([, options], call) => ({
        fromVersion: options?.fromVersion ?? 1,
        rows: (await readStream.mock.results[call]!.value).length,
      })),
    );
}

// Fixtures: a shopping cart, order-like enough to show that a snapshot folds to the right state.

type CartLine = { quantity: number; unitPriceMinor: number };
type Cart = { itemCount: number; totalMinor: number; lines: Record<string, CartLine> };
type CartEvent =
  | { type: 'ItemAdded'; data: { productId: string; unitPriceMinor: number } }
  | { type: 'ItemRemoved'; data: { productId: string; unitPriceMinor: number } };
type CartCommand =
  | { type: 'AddItem'; data: { productId: string; unitPriceMinor: number } }
  | { type: 'RemoveItem'; data: { productId: string } };

const cartDecider: Decider<Cart, CartCommand, CartEvent> = {
  initialState: () => ({ itemCount: 0, totalMinor: 0, lines: {} }),
  decide(command, cart) {
    switch (command.type) {
      case 'AddItem':
        return [{ type: 'ItemAdded', data: command.data }];
      case 'RemoveItem': {
        const line = cart.lines[command.data.productId];
        if (!line) throw new Error(`Product ${command.data.productId} is not in the cart`);
        return [{ type: 'ItemRemoved', data: { productId: command.data.productId, unitPriceMinor: line.unitPriceMinor } }];
      }
      default: {
        const _exhaustive: never = command;
        return [];
      }
    }
  },
  evolve(cart, event) {
    const { productId, unitPriceMinor } = event.data;
    const quantity = cart.lines[productId]?.quantity ?? 0;
    switch (event.type) {
      case 'ItemAdded':
        return {
          itemCount: cart.itemCount + 1,
          totalMinor: cart.totalMinor + unitPriceMinor,
          lines: { ...cart.lines, [productId]: { quantity: quantity + 1, unitPriceMinor } },
        };
      case 'ItemRemoved': {
        if (quantity === 0) return cart;
        const { [productId]: _removed, ...others } = cart.lines;
        return {
          itemCount: cart.itemCount - 1,
          totalMinor: cart.totalMinor - unitPriceMinor,
          lines: quantity === 1 ? others : { ...cart.lines, [productId]: { quantity: quantity - 1, unitPriceMinor } },
        };
      }
      default: {
        const _exhaustive: never = event;
        return cart;
      }
    }
  },
};

const streamId = 'cart-c-1';
const productOf = (index: number) => `p-${(index * 7) % 37}`;
const priceOf = (productId: string) => 100 + Number(productId.slice(2)) * 37;

/** Command number `index` of the stream: three adds, then a removal of the last product added. */
function cartCommand(index: number): CartCommand {
  if (index % 4 === 3) return { type: 'RemoveItem', data: { productId: productOf(index - 1) } };
  return { type: 'AddItem', data: { productId: productOf(index), unitPriceMinor: priceOf(productOf(index)) } };
}

/** The event command `index` produces (what decide returns for it). */
function cartEvent(index: number): CartEvent {
  const productId = index % 4 === 3 ? productOf(index - 1) : productOf(index);
  return { type: index % 4 === 3 ? 'ItemRemoved' : 'ItemAdded', data: { productId, unitPriceMinor: priceOf(productId) } };
}

/** The cart after the first `count` events, folded in memory without the store. */
function referenceCart(count: number): Cart {
  let cart = cartDecider.initialState();
  for (let index = 0; index < count; index++) cart = cartDecider.evolve(cart, cartEvent(index));
  return cart;
}

/** No stream folds to this: a snapshot holding it must never be read. */
const bogusCart: Cart = { itemCount: 999, totalMinor: -1, lines: { bogus: { quantity: 999, unitPriceMinor: 1 } } };

function snapshot(fields: Pick<Snapshot, 'version' | 'stateSchemaVersion' | 'state'>): Snapshot {
  return { streamId, takenAt: '2025-01-14T15:00:00.000Z', ...fields };
}

function toNewEvent(event: CartEvent, sequence = 0): NewEvent {
  return {
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: {
      userId: 'test',
      correlationId: 'corr-1',
      causationId: `cmd-${sequence}`,
      commandId: `cmd-${sequence}`,
      occurredAt: '2025-01-14T15:00:00.000Z',
    },
  };
}
