import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/eventStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import type { ProcessDefinition } from '../../src/processes/process.js';
import { Processes } from '../../src/processes/processes.js';
import { newEvent } from '../eventstore/eventStoreContract.js';

describe('Processes', () => {
  let directory: string;
  let db: Database.Database;
  let store: SqliteEventStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-processes-'));
    db = openDatabase(join(directory, 'log.db'));
    store = new SqliteEventStore(db);
    for (const type of ['Wanted', 'Ignored', 'Wanted', 'Wanted']) {
      await store.append(`s-${Math.random()}`, 'Test', [newEvent(type, {})], { expectedVersion: 'no_stream' });
    }
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** A process that records what it handled and throws on the events at `failAt` while `failing`. */
  function recorder(failAt: number) {
    const handled: number[] = [];
    const state = { failing: true };
    const definition: ProcessDefinition = {
      name: 'recorder',
      handles: ['Wanted'],
      batchSize: 1,
      async handle([event]: readonly StoredEvent[]) {
        if (state.failing && event!.position === failAt) throw new Error('the downstream service is down');
        handled.push(event!.position);
      },
    };
    return { definition, handled, state };
  }

  it('should stop at an event it fails on, show it in its status, and go on from there on retry', async () => {
    const { definition, handled, state } = recorder(3);
    const processes = new Processes(db, store, [definition], 60_000);
    processes.start();
    await expect.poll(async () => (await processes.status())[0]!.state).toBe('FAILED');

    expect(handled).toEqual([1]);
    expect((await processes.status())[0]).toMatchObject({
      name: 'recorder',
      position: 2,
      headPosition: 4,
      lagEvents: 2,
      lastError: { position: 3, eventType: 'Wanted', message: 'the downstream service is down' },
    });

    state.failing = false;
    await processes.retry('recorder');
    expect(handled).toEqual([1, 3, 4]);
    expect((await processes.status())[0]).toMatchObject({ state: 'LIVE', position: 4, lastError: null });
    await processes.stop();
  });

  it('should read the log once for a burst of wake-ups when it reads at most every so often, and miss nothing', async () => {
    const { definition, handled } = recorder(-1);
    let reads = 0;
    // The real store, its position reads counted.
    const counted = Object.assign(Object.create(store) as SqliteEventStore, {
      readAll: (options: Parameters<SqliteEventStore['readAll']>[0]) => {
        reads++;
        return store.readAll(options);
      },
    });
    const processes = new Processes(db, counted, [{ ...definition, readAtMostEveryMs: 200 }], 60_000);
    processes.start();
    await expect.poll(() => handled).toEqual([1, 3, 4]);
    const readsBefore = reads;
    for (let n = 0; n < 20; n++) {
      await store.append(`burst-${n}`, 'Test', [newEvent('Wanted', {})], { expectedVersion: 'no_stream' });
      processes.poke();
    }
    await expect.poll(() => handled.length, { timeout: 2000 }).toBe(23);
    // Twenty wake-ups within 200 ms: at most a read now and one (two, if a batch fills) when the time is up.
    expect(reads - readsBefore).toBeLessThanOrEqual(3);
    await processes.stop();
  });

  it('should resume after a restart from its checkpoint, handing over only what it had not finished', async () => {
    const first = recorder(4);
    const processes = new Processes(db, store, [first.definition], 60_000);
    processes.start();
    await expect.poll(async () => (await processes.status())[0]!.state).toBe('FAILED');
    await processes.stop();

    const second = recorder(-1);
    const restarted = new Processes(db, store, [second.definition], 60_000);
    restarted.start();
    await expect.poll(async () => (await restarted.status())[0]!.position).toBe(4);
    expect(first.handled).toEqual([1, 3]);
    expect(second.handled).toEqual([4]);
    await restarted.stop();
  });

  it('should refuse to retry a process that has not failed, or one that does not exist', async () => {
    const processes = new Processes(db, store, [recorder(-1).definition], 60_000);
    await expect(processes.retry('recorder')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(processes.retry('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  describe('with a park key (one unit of work per key, e.g. an order)', () => {
    /** Appends `Wanted` events for keys in order: `a`, `b`, `a`, `c`; returns their positions by key. */
    async function keyedLog(): Promise<void> {
      for (const key of ['a', 'b', 'a', 'c']) await store.append(`k-${key}`, 'Test', [newEvent('Wanted', {})], { expectedVersion: 'any' });
    }

    /** Appends the keyed log, runs a process failing on `badKey` over it to its end, and stops it. */
    async function runOverKeyedLog(badKey: string): Promise<void> {
      await keyedLog();
      const processes = new Processes(db, store, [keyedRecorder(badKey).definition], 60_000);
      processes.start();
      await expect.poll(async () => (await processes.status())[0]!.position).toBe(8);
      await processes.stop();
    }

    function keyedRecorder(badKey: string) {
      const handled: string[] = [];
      const state = { failing: true };
      const definition: ProcessDefinition = {
        name: 'keyed',
        handles: ['Wanted'],
        parkKey: (event) => event.streamId,
        async handle(events: readonly StoredEvent[]) {
          expect(events).toHaveLength(1);
          const [event] = events;
          if (state.failing && event!.streamId === badKey) throw new Error(`cannot handle ${badKey}`);
          // The events every test starts with (streams s-…) are not this test's.
          if (event!.streamId.startsWith('k-')) handled.push(`${event!.streamId}@${event!.position}`);
        },
      };
      return { definition, handled, state };
    }

    it('should park the trigger it fails on and the later ones of its key, go on with every other key, and stay LIVE', async () => {
      await keyedLog();
      const { definition, handled } = keyedRecorder('k-a');
      const processes = new Processes(db, store, [definition], 60_000);
      processes.start();
      await expect.poll(async () => (await processes.status())[0]!.position).toBe(8);

      const [status] = await processes.status();
      expect(status).toMatchObject({ state: 'LIVE', lastError: null, lagEvents: 0 });
      expect(handled).toEqual(['k-b@6', 'k-c@8']);
      expect(status!.parked.map(({ key, position, message }) => ({ key, position, message }))).toEqual([
        { key: 'k-a', position: 5, message: 'cannot handle k-a' },
        { key: 'k-a', position: 7, message: 'Waiting behind the trigger parked at position 5 for k-a' },
      ]);
      await processes.stop();
    });

    it('should handle a batch at once, and when it fails, each of its events alone, parking only what fails alone', async () => {
      await keyedLog();
      const batches: string[][] = [];
      const definition: ProcessDefinition = {
        name: 'keyed',
        handles: ['Wanted'],
        parkKey: (event) => event.streamId,
        batchSize: 10,
        async handle(events: readonly StoredEvent[]) {
          const keyed = events.filter((event) => event.streamId.startsWith('k-'));
          batches.push(keyed.map((event) => `${event.streamId}@${event.position}`));
          if (keyed.some((event) => event.streamId === 'k-a')) throw new Error('cannot handle k-a');
        },
      };
      const processes = new Processes(db, store, [definition], 60_000);
      processes.start();
      await expect.poll(async () => (await processes.status())[0]!.position).toBe(8);

      // The whole batch first, then one at a time: k-b and k-c handled, k-a parked and the later k-a behind it.
      expect(batches).toContainEqual(['k-a@5', 'k-b@6', 'k-a@7', 'k-c@8']);
      expect(batches.slice(-3)).toEqual([['k-a@5'], ['k-b@6'], ['k-c@8']]);
      const [status] = await processes.status();
      expect(status).toMatchObject({ state: 'LIVE', lagEvents: 0 });
      expect(status!.parked.map(({ key, position }) => ({ key, position }))).toEqual([
        { key: 'k-a', position: 5 },
        { key: 'k-a', position: 7 },
      ]);
      await processes.stop();
    });

    it('should handle again, not park behind itself, a trigger parked before a crash that lost its checkpoint', async () => {
      await runOverKeyedLog('k-a');
      // As after a crash between parking and the checkpoint: the process is back before its trigger.
      db.prepare('UPDATE process_checkpoints SET position = 4').run();

      const restarted = new Processes(db, store, [keyedRecorder('k-a').definition], 60_000);
      restarted.start();
      await expect.poll(async () => (await restarted.status())[0]!.position).toBe(8);
      expect((await restarted.status())[0]!.parked.map(({ position, message }) => ({ position, message }))).toEqual([
        { position: 5, message: 'cannot handle k-a' },
        { position: 7, message: 'Waiting behind the trigger parked at position 5 for k-a' },
      ]);
      await restarted.stop();
    });

    it('should keep parked triggers across a restart, and handle them in order on retry once they can be', async () => {
      await runOverKeyedLog('k-a');

      const second = keyedRecorder('k-a');
      const restarted = new Processes(db, store, [second.definition], 60_000);
      await restarted.retry('keyed');
      expect(second.handled).toEqual([]);
      expect((await restarted.status())[0]!.parked.map((trigger) => trigger.position)).toEqual([5, 7]);

      second.state.failing = false;
      await restarted.retry('keyed');
      expect(second.handled).toEqual(['k-a@5', 'k-a@7']);
      expect((await restarted.status())[0]!.parked).toEqual([]);
      await expect(restarted.retry('keyed')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    });
  });
});
