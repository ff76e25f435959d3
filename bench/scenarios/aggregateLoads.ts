/**
 * How long loading a product takes, as inventory commands load it (loadAggregate with the inventory
 * decider, the server's store (upcasting over SQLite) and its default snapshot policy): for a product
 * with a long history against one with a short one. Each figure is the median of repeated loads
 * after a warm-up, the state checked against the stream folded in memory first.
 *
 * Snapshots are placed as the server's policy leaves them: in the worst case `every - 1` events
 * before the end (just before the next is due), in the best at the end. A stream shorter than
 * `every` has none.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventSchemas } from '../../src/application/eventSchemas.js';
import { loadAggregate, type SnapshotPolicy } from '../../src/application/snapshots/loadAggregate.js';
import {
  type InventoryEvent,
  inventoryDecider,
  inventoryEventSchemaVersions,
  PRODUCT_STATE_SCHEMA_VERSION,
  PRODUCT_STREAM_TYPE,
  type Product,
  productStreamId,
} from '../../src/domain/inventory/index.js';
import type { EventStore, NewEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { SqliteSnapshotStore } from '../../src/eventstore/sqlite/sqliteSnapshotStore.js';
import { UpcastingEventStore } from '../../src/eventstore/upcasting/upcastingEventStore.js';
import { DEFAULT_CONFIG } from '../../src/server/config.js';
import { median, round } from '../lib/report.js';

const WARM_UP_RUNS = 3;
const MIN_RUNS = 10;
const MIN_SECONDS = 1;
const APPEND_CHUNK = 1_000;

export type LoadTiming = {
  productId: string;
  events: number;
  /** Events folded after the snapshot (all of them when there is none). */
  eventsAfterSnapshot: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
};

/** The log's file opened as the server opens it, with its snapshot policy. */
function openAsServer(file: string) {
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  const store = new UpcastingEventStore(new SqliteEventStore(db), eventSchemas);
  const policy: SnapshotPolicy = {
    store: new SqliteSnapshotStore(db),
    every: DEFAULT_CONFIG.snapshotEvery,
    stateSchemaVersion: PRODUCT_STATE_SCHEMA_VERSION,
  };
  return { db, store, policy, close: () => store.close() };
}

/**
 * Times loading each product of `productIds` in the log at `file` (no server may use it), each with
 * its worst-case snapshot; also the first load of the first product with no snapshot at all (as the
 * first command after an import makes it), for information.
 */
export async function timeProductLoads(
  file: string,
  productIds: readonly string[],
): Promise<{ loads: { worst: LoadTiming; best: LoadTiming }[]; firstLoadWithoutSnapshot: LoadTiming; snapshotEvery: number }> {
  const { store, policy, close } = openAsServer(file);
  try {
    const first = productIds[0]!;
    const withoutSnapshot = await measure(() => loadAggregate(store, inventoryDecider, productStreamId(first)), 1);
    const events = (await store.readStream(productStreamId(first))).length;
    const firstLoadWithoutSnapshot = { productId: first, events, eventsAfterSnapshot: events, ...withoutSnapshot };
    const loads: { worst: LoadTiming; best: LoadTiming }[] = [];
    for (const productId of productIds) loads.push(await timeCases(store, policy, productId));
    return { loads, firstLoadWithoutSnapshot, snapshotEvery: policy.every ?? DEFAULT_CONFIG.snapshotEvery };
  } finally {
    await close();
  }
}

/**
 * Writes a product stream of `length` events for each length into a new log at `file` (ProductAdded,
 * then reservations each released, a restock to make up the count), and times loading each.
 */
export async function timeStreamLengths(file: string, lengths: readonly number[]): Promise<{ worst: LoadTiming; best: LoadTiming }[]> {
  const { store, policy, close } = openAsServer(file);
  try {
    const timings: { worst: LoadTiming; best: LoadTiming }[] = [];
    for (const length of lengths) {
      const productId = `stream-${length}`;
      await appendProductStream(store, productId, length);
      timings.push(await timeCases(store, policy, productId));
    }
    return timings;
  } finally {
    await close();
  }
}

/**
 * Times loading the product with its snapshot where the policy leaves it in the worst case (`every - 1`
 * events before the end) and in the best (at the last event); a stream shorter than `every` has none,
 * and both are the same load. Each load is checked against the stream folded in memory first.
 */
async function timeCases(store: EventStore, policy: SnapshotPolicy, productId: string): Promise<{ worst: LoadTiming; best: LoadTiming }> {
  const streamId = productStreamId(productId);
  const events = await store.readStream(streamId);
  const every = policy.every ?? DEFAULT_CONFIG.snapshotEvery;
  const folded = fold(events);
  const timeWithSnapshotAt = async (version: number | undefined): Promise<LoadTiming> => {
    const existing = await policy.store.load(streamId, policy.stateSchemaVersion);
    if (existing) await policy.store.discard(streamId, existing.version);
    if (version !== undefined) {
      await policy.store.save({
        streamId,
        version,
        stateSchemaVersion: policy.stateSchemaVersion,
        state: fold(events.slice(0, version)),
        takenAt: new Date().toISOString(),
      });
    }
    const loaded = await loadAggregate(store, inventoryDecider, streamId, policy);
    deepStrictEqual(loaded.state, folded);
    if (loaded.version !== events.length) throw new Error(`${streamId}: loaded version ${loaded.version}, expected ${events.length}`);
    const timing = await measure(() => loadAggregate(store, inventoryDecider, streamId, policy));
    return { productId, events: events.length, eventsAfterSnapshot: loaded.eventsSinceSnapshot, ...timing };
  };
  if (events.length < every) {
    const timing = await timeWithSnapshotAt(undefined);
    return { worst: timing, best: timing };
  }
  const best = await timeWithSnapshotAt(events.length);
  const worst = await timeWithSnapshotAt(events.length - (every - 1));
  return { worst, best };
}

function fold(events: readonly { type: string; data: unknown }[]): Product {
  return events.reduce((state, event) => inventoryDecider.evolve(state, event as InventoryEvent), inventoryDecider.initialState());
}

/** Median of repeated loads after a warm-up: at least MIN_RUNS loads and MIN_SECONDS, or exactly `runs`. */
async function measure(
  load: () => Promise<unknown>,
  runs?: number,
): Promise<Omit<LoadTiming, 'productId' | 'events' | 'eventsAfterSnapshot'>> {
  if (runs === undefined) for (let run = 0; run < WARM_UP_RUNS; run++) await load();
  const times: number[] = [];
  const started = performance.now();
  while (runs === undefined ? times.length < MIN_RUNS || performance.now() - started < MIN_SECONDS * 1000 : times.length < runs) {
    const start = performance.now();
    await load();
    times.push(performance.now() - start);
  }
  const sorted = times.sort((a, b) => a - b);
  return { medianMs: round(median(sorted), 4), minMs: round(sorted[0]!, 4), maxMs: round(sorted.at(-1)!, 4), runs: times.length };
}

/** `length` events: ProductAdded, reserve/release pairs, and a restock when the count is even. */
async function appendProductStream(store: EventStore, productId: string, length: number): Promise<void> {
  const at = '2025-01-01T00:00:00.000Z';
  const eventAt = (version: number): InventoryEvent => {
    if (version === 1)
      return {
        type: 'ProductAdded',
        data: {
          productId,
          name: `Product ${productId}`,
          onHand: 1_000,
          price: { amountMinor: 1_000, currency: 'USD', scale: 2 },
          addedAt: at,
        },
      };
    if (version === length && length % 2 === 0)
      return { type: 'StockRestocked', data: { productId, quantity: 1, onHand: 1_001, restockedAt: at } };
    const orderId = `o-${version >> 1}`;
    return version % 2 === 0
      ? { type: 'StockReserved', data: { productId, orderId, quantity: 1, reservedAt: at } }
      : { type: 'ReservationReleased', data: { productId, orderId, quantity: 1, releasedAt: at } };
  };
  const streamId = productStreamId(productId);
  for (let start = 1; start <= length; start += APPEND_CHUNK) {
    const chunk: NewEvent[] = [];
    for (let version = start; version < start + APPEND_CHUNK && version <= length; version++) {
      const event = eventAt(version);
      const commandId = randomUUID();
      chunk.push({
        eventId: randomUUID(),
        type: event.type,
        schemaVersion: inventoryEventSchemaVersions[event.type],
        data: event.data,
        metadata: { userId: 'bench', correlationId: commandId, causationId: commandId, commandId, occurredAt: at },
      });
    }
    await store.append(streamId, PRODUCT_STREAM_TYPE, chunk, { expectedVersion: start === 1 ? 'no_stream' : start - 1 });
  }
}
