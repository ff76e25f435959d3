import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { RecentLogWindow } from '../../src/eventstore/recentLogWindow.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { describeEventStoreContract, newEvent } from './eventStoreContract.js';

const newDirectory = () => mkdtempSync(join(tmpdir(), 'orderstream-window-'));

// Every read through the window answers as the store's own would; a small window, so reads also fall behind it.
describeEventStoreContract('RecentLogWindow over SqliteEventStore', async () => {
  const directory = newDirectory();
  const store = new RecentLogWindow(new SqliteEventStore(openDatabase(join(directory, 'events.db'))), 4);
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

describe('RecentLogWindow: one reader of the log for many consumers', () => {
  let directory: string;
  let inner: SqliteEventStore;
  let reads: number;
  let window: RecentLogWindow;

  beforeEach(() => {
    directory = newDirectory();
    inner = new SqliteEventStore(openDatabase(join(directory, 'events.db')));
    reads = 0;
    // The store's own reads, counted where they happen.
    const readAll = inner.readAll.bind(inner);
    inner.readAll = (options) => {
      reads += 1;
      return readAll(options);
    };
    window = new RecentLogWindow(inner, 100);
  });
  afterEach(async () => {
    await window.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const appendEvents = async (count: number) => {
    for (let i = 0; i < count; i += 1) await inner.append(`s-${i % 3}`, 'Thing', [newEvent('E', { i })], { expectedVersion: 'any' });
  };
  const positions = (events: StoredEvent[]) => events.map((event) => event.position);

  it('answers consumers at the same place from one read of the log', async () => {
    await appendEvents(10);
    const consumers = await Promise.all(Array.from({ length: 5 }, () => window.readAll({ afterPosition: 0, limit: 50 })));
    for (const events of consumers) expect(positions(events)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    // One read that found ten events, and one that found the head: not one per consumer.
    expect(reads).toBe(2);
    expect(window.counts).toEqual({ served: 5, fetched: 2 });
  });

  it('serves a consumer behind from memory and reads on for one that reaches the end', async () => {
    await appendEvents(10);
    await window.readAll({ afterPosition: 0, limit: 50 });
    const before = reads;
    expect(positions(await window.readAll({ afterPosition: 4, limit: 3 }))).toEqual([5, 6, 7]);
    expect(reads).toBe(before);
    await appendEvents(5);
    // Past what it holds: it reads what follows, once, and answers up to the limit.
    expect(positions(await window.readAll({ afterPosition: 8, limit: 50 }))).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(reads).toBe(before + 2);
    // At the end it holds, a caller learns that nothing follows only from a read of the log.
    expect(positions(await window.readAll({ afterPosition: 12, limit: 50 }))).toEqual([13, 14, 15]);
    expect(reads).toBe(before + 3);
  });

  it('answers after an append through it with what the append wrote, never from a read begun before it', async () => {
    await appendEvents(3);
    expect(positions(await window.readAll({ afterPosition: 0 }))).toEqual([1, 2, 3]);
    // A read of what follows, begun before the append and still under way when a consumer comes for it.
    const early = window.readAll({ afterPosition: 3 });
    await window.append('s-9', 'Thing', [newEvent('E', { late: true })], { expectedVersion: 'any' });
    const woken = window.readAll({ afterPosition: 3 });
    // The early read may or may not have seen it; the woken one must.
    expect([[], [4]]).toContainEqual(positions(await early));
    expect(positions(await woken)).toEqual([4]);
  });

  it('stays with its consumers when a caller asks past the head, and moves to one ahead of it where the log has events', async () => {
    await appendEvents(5);
    expect(positions(await window.readAll({ afterPosition: 0 }))).toEqual([1, 2, 3, 4, 5]);
    // An events query or a replay asking for positions the log does not have yet.
    expect(await window.readAll({ afterPosition: 1_000_000 })).toEqual([]);
    const before = reads;
    expect(positions(await window.readAll({ afterPosition: 2, limit: 2 }))).toEqual([3, 4]);
    expect(reads).toBe(before);

    // A consumer ahead of a window nobody has moved on: the window follows it.
    await appendEvents(10);
    expect(positions(await window.readAll({ afterPosition: 12 }))).toEqual([13, 14, 15]);
    const moved = reads;
    expect(positions(await window.readAll({ afterPosition: 13, limit: 1 }))).toEqual([14]);
    expect(reads).toBe(moved);
  });

  it('leaves narrowed reads and reads behind the window to the store', async () => {
    const small = new RecentLogWindow(inner, 4);
    await appendEvents(10);
    expect(positions(await small.readAll({ afterPosition: 0, limit: 50 }))).toHaveLength(10);
    const before = reads;
    expect(positions(await small.readAll({ afterPosition: 2, limit: 2 }))).toEqual([3, 4]);
    expect(positions(await small.readAll({ afterPosition: 0, streamId: 's-1' }))).toEqual([2, 5, 8]);
    expect(reads).toBe(before + 2);
  });

  it('hands out events no consumer can change', async () => {
    await appendEvents(1);
    const [event] = await window.readAll();
    expect(Object.isFrozen(event)).toBe(true);
    expect(Object.isFrozen(event!.data)).toBe(true);
    expect(() => {
      (event as { position: number }).position = 99;
    }).toThrow(TypeError);
  });
});
