import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manualClock.js';
import { openPostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { type LogWake, PostgresLogWatcher, type PostgresLogWatcherOptions } from '../../src/eventstore/postgres/postgresLogWatcher.js';
import { createTestSchema, describeWithPostgres, POSTGRES_TEST_URL, terminateBackend, type TestSchema } from '../support/postgres.js';
import { newEvent } from './eventStoreContract.js';
import { LogTail, readWholeLog } from './postgresLogTail.js';

await describeWithPostgres('PostgresLogWatcher', () => {
  let testSchema: TestSchema;
  const closers: (() => Promise<void>)[] = [];
  const open = async (poolSize = 2) => {
    const store = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: testSchema.schema, poolSize });
    closers.push(() => store.close());
    return store;
  };
  const watch = async (options: Omit<PostgresLogWatcherOptions, 'connectionString' | 'schema'>) => {
    const watcher = await PostgresLogWatcher.start({ connectionString: POSTGRES_TEST_URL, schema: testSchema.schema, ...options });
    closers.push(() => watcher.close());
    return watcher;
  };
  /** Kills the LISTEN connection from the server's side and waits until the watcher has noticed. */
  const killConnection = async (watcher: PostgresLogWatcher) => {
    const pid = watcher.backendPid!;
    await terminateBackend(pid);
    await waitFor(() => watcher.backendPid !== pid, 'the watcher to notice its connection was killed');
    return pid;
  };

  beforeEach(async () => {
    testSchema = await createTestSchema();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await testSchema.drop();
  });

  it('wakes once on connecting, then once per committed append with its last position', async () => {
    const store = await open();
    const wakes: LogWake[] = [];
    await watch({ onWake: (wake) => wakes.push(wake) });

    const first = await store.append('s-1', 'Thing', [newEvent('A', {}), newEvent('B', {})], { expectedVersion: 'no_stream' });
    const second = await store.append('s-1', 'Thing', [newEvent('C', {})], { expectedVersion: 2 });
    await store.append('s-1', 'Thing', [newEvent('D', {})], { expectedVersion: 1 }).catch(() => 'conflict: nothing committed');
    // A marker: notifications come in commit order, so one for the conflict would come before it.
    const marker = await store.append('s-2', 'Thing', [newEvent('M', {})], { expectedVersion: 'no_stream' });

    await waitFor(() => wakes.some((wake) => wake.reason === 'appended' && wake.position === marker.lastPosition), 'the marker');
    // Each from a connection of the store that appended: the store knows its own, and its instance skips them.
    const fromStore = { fromBackend: expect.toSatisfy((pid: number) => store.sentBy(pid)) };
    expect(wakes).toEqual([
      { reason: 'connected' },
      { reason: 'appended', position: first.lastPosition, ...fromStore },
      { reason: 'appended', position: second.lastPosition, ...fromStore },
      { reason: 'appended', position: marker.lastPosition, ...fromStore },
    ]);
    const other = await open();
    expect(wakes.every((wake) => wake.reason !== 'appended' || !other.sentBy(wake.fromBackend))).toBe(true);
  });

  it('is not woken by another log in the same database', async () => {
    const store = await open();
    const wakes: LogWake[] = [];
    await watch({ onWake: (wake) => wakes.push(wake) });
    const other = await createTestSchema();
    try {
      const otherStore = await openPostgresEventStore({ connectionString: POSTGRES_TEST_URL, schema: other.schema });
      await otherStore.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });
      await otherStore.close();
      // A marker in its own log, committed after: a wake-up for the other log would come before it.
      // Two events, so that its position (2) is not the other log's (1).
      const marker = await store.append('s-1', 'Thing', [newEvent('M', {}), newEvent('M', {})], { expectedVersion: 'no_stream' });
      await waitFor(() => wakes.some((wake) => wake.reason === 'appended' && wake.position === marker.lastPosition), 'the marker');
      expect(wakes).toEqual([
        { reason: 'connected' },
        { reason: 'appended', position: marker.lastPosition, fromBackend: expect.any(Number) },
      ]);
    } finally {
      await other.drop();
    }
  });

  it('reconnects after its connection is killed while appends go on, and the reader ends with every event', async () => {
    const reader = await open();
    // No poll: the watcher is the reader's only reason to read, so a lost wake-up would show.
    const tail = new LogTail(reader);
    const watcher = await watch({ onWake: () => tail.wake(), reconnectDelayMs: 20 });
    closers.push(() => tail.stop());
    const appenders = await Promise.all(Array.from({ length: 4 }, () => open(1)));

    let appending = true;
    const appends = Promise.all(
      appenders.map(async (store, a) => {
        for (let i = 0; appending; i += 1) {
          await store.append(`s-${a}`, 'Thing', [newEvent('E', { i })], { expectedVersion: 'any' });
        }
      }),
    );
    const killed: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      // Each connection is killed once the reader has seen appends through it, while appends go on.
      const seen = tail.seen.length;
      await waitFor(() => tail.seen.length >= seen + 10, 'the reader to see appends');
      killed.push(await killConnection(watcher));
      await waitFor(() => watcher.backendPid !== undefined, 'the watcher to reconnect');
    }
    appending = false;
    await appends;

    await tail.until(await reader.headPosition());
    expect(new Set([...killed, watcher.backendPid]).size).toBe(4);
    const log = await readWholeLog(reader);
    expect(log.length).toBeGreaterThan(20);
    expect(tail.seen.map((event) => event.position)).toEqual(log.map((event) => event.position));
  });

  it('wakes the reader after reconnecting, for events appended while it was away', async () => {
    const store = await open();
    const tail = new LogTail(store);
    const wakes: LogWake[] = [];
    // Away until the test moves the clock past the reconnect delay.
    const clock = new ManualClock();
    const watcher = await watch({
      onWake: (wake) => {
        wakes.push(wake);
        tail.wake();
      },
      reconnectDelayMs: 2000,
      clock,
    });
    closers.push(() => tail.stop());
    await store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });
    await tail.until(1);

    await killConnection(watcher);
    const whileAway = await store.append('s-1', 'Thing', [newEvent('B', {}), newEvent('C', {})], { expectedVersion: 1 });
    expect(watcher.backendPid).toBeUndefined(); // so nobody heard this append's NOTIFY

    await clock.advance(2000);
    await tail.until(whileAway.lastPosition);
    expect(tail.seen.map((event) => event.version)).toEqual([1, 2, 3]);
    expect(wakes.at(-1)).toEqual({ reason: 'connected' });
  });

  it('stops reconnecting once closed', async () => {
    const wakes: LogWake[] = [];
    // The reconnect delay is kept by a clock the test moves: nothing reconnects unless it is advanced.
    const clock = new ManualClock();
    const watcher = await watch({ onWake: (wake) => wakes.push(wake), reconnectDelayMs: 50, clock });
    await killConnection(watcher);
    expect(clock.timerCount, 'the reconnect waits').toBe(1);

    await watcher.close();
    expect(clock.timerCount, 'close cancelled the wait').toBe(0);
    await clock.advance(60_000);

    expect(watcher.backendPid).toBeUndefined();
    expect(wakes).toEqual([{ reason: 'connected' }]);
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
