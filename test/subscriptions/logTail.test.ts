import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadAllOptions, StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { eventReplay } from '../../src/subscriptions/eventReplay.js';
import { LogTail } from '../../src/subscriptions/logTail.js';
import { newEvent } from '../eventstore/eventStoreContract.js';

describe('LogTail (the event feed)', () => {
  let directory: string;
  let store: SqliteEventStore;
  let tail: LogTail;
  let eventReads = 0;
  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-logtail-'));
    store = new SqliteEventStore(openDatabase(join(directory, 'events.db')));
    eventReads = 0;
    // The real store, its event reads counted.
    const counted = {
      readAll: (options?: ReadAllOptions) => {
        eventReads++;
        return store.readAll(options);
      },
      headPosition: () => store.headPosition(),
    };
    tail = await LogTail.start(counted, {});
  });
  afterEach(async () => {
    await tail.stop();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const append = async (n: number) => {
    const { lastPosition } = await store.append(`s-${n}`, 'Thing', [newEvent('Happened', { n })], { expectedVersion: 'no_stream' });
    tail.poke();
    return lastPosition;
  };
  const next = async (subscription: AsyncIterator<StoredEvent>) => ((await subscription.next()).value as StoredEvent).data;

  it('should read no events while no one listens, and start a new subscriber live where the log is', async () => {
    for (let n = 1; n <= 20; n++) await append(n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(eventReads).toBe(0);

    const live = await tail.subscribe({ positionOf: (event) => event.position });
    // What came before the subscription is not live for it: the first item is the next append.
    expect(tail.position).toBe(await store.headPosition());
    await append(21);
    expect(await next(live)).toEqual({ n: 21 });
    await live.return?.();
  });

  it('should replay a late subscriber from its position with no gap and no repeat at the seam', async () => {
    const positions: number[] = [];
    for (let n = 1; n <= 10; n++) positions.push(await append(n));
    const subscription = await tail.subscribe({
      positionOf: (event) => event.position,
      replay: { after: positions[4], livePosition: () => tail.position, read: eventReplay(store, {}) },
    });
    await append(11);
    const received = [];
    for (let n = 6; n <= 11; n++) received.push(await next(subscription));
    expect(received).toEqual([6, 7, 8, 9, 10, 11].map((n) => ({ n })));
    await subscription.return?.();
  });
});
