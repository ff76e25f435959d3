import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateEventError, ExpectedVersionConflictError, IdempotencyKeyReusedError } from '../../src/eventstore/errors.js';
import type { GroupCommitMode } from '../../src/eventstore/sqlite/groupCommit.js';
import { openDatabase, openDatabaseReadOnly } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqliteEventStore.js';
import { describeEventStoreContract, newEvent } from './eventStoreContract.js';

const newDirectory = () => mkdtempSync(join(tmpdir(), 'orderstream-eventstore-'));

describeEventStoreContract('SqliteEventStore', async () => {
  const directory = newDirectory();
  const store = new SqliteEventStore(openDatabase(join(directory, 'events.db')));
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

// The contract holds whichever way appends are grouped.
for (const groupCommit of ['microtask', 'off'] as const) {
  describeEventStoreContract(`SqliteEventStore (group commit: ${groupCommit})`, async () => {
    const directory = newDirectory();
    const store = new SqliteEventStore(openDatabase(join(directory, 'events.db')), { groupCommit });
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  });
}

describe('SqliteEventStore on a SQLite file', () => {
  let directory: string;
  let file: string;
  let db: Database.Database;
  let store: SqliteEventStore;

  beforeEach(() => {
    directory = newDirectory();
    file = join(directory, 'events.db');
    db = openDatabase(file);
    store = new SqliteEventStore(db);
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('opens the file in WAL mode with synchronous FULL by default', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);

    const normal = openDatabase(join(directory, 'normal.db'), { synchronous: 'NORMAL' });
    try {
      expect(normal.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      normal.close();
    }
  });

  it('refuses to update or delete a stored event', async () => {
    const event = newEvent('A', { n: 1 });
    await store.append('s-1', 'Thing', [event], { expectedVersion: 'no_stream' });

    expect(() => db.prepare("UPDATE events SET type = 'B'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/cannot be deleted/);

    expect(await store.readStream('s-1')).toMatchObject([{ eventId: event.eventId, type: 'A', data: { n: 1 } }]);
  });

  it('keeps the log across close and reopen, and positions keep increasing', async () => {
    await store.append('s-1', 'Thing', [newEvent('A', {}), newEvent('B', {})], { expectedVersion: 'no_stream' });
    const before = await store.readAll();
    await store.close();

    db = openDatabase(file);
    store = new SqliteEventStore(db);

    expect(await store.readAll()).toEqual(before);
    const result = await store.append('s-1', 'Thing', [newEvent('C', {})], { expectedVersion: 2 });
    expect(result.nextVersion).toBe(3);
    expect(result.lastPosition).toBeGreaterThan(before.at(-1)!.position);
    expect(await store.headPosition()).toBe(result.lastPosition);
  });

  it("drops an older log's customer index on open, keeping its events", async () => {
    await store.append('s-1', 'Order', [newEvent('Placed', { customerId: 'c-1' })], { expectedVersion: 'no_stream' });
    const before = await store.readAll();
    // As a log written before the order view listed a customer's orders had it.
    db.exec("CREATE INDEX events_by_customer_id ON events (json_extract(data, '$.customerId')) WHERE version = 1");
    await store.close();

    db = openDatabase(file);
    store = new SqliteEventStore(db);

    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_by_customer_id'").all()).toEqual([]);
    expect(await store.readAll()).toEqual(before);
  });
});

describe.each<GroupCommitMode>(['setImmediate', 'microtask'])('SqliteEventStore group commit (%s)', (groupCommit) => {
  let directory: string;
  let file: string;
  let db: Database.Database;
  let store: SqliteEventStore;

  beforeEach(() => {
    directory = newDirectory();
    file = join(directory, 'events.db');
    db = openDatabase(file);
    store = new SqliteEventStore(db, { groupCommit });
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** The log as another connection sees it: only what is committed. */
  const committedEventIds = () => {
    const reader = openDatabaseReadOnly(file);
    try {
      return reader.prepare<[], string>('SELECT event_id FROM events ORDER BY position').pluck().all();
    } finally {
      reader.close();
    }
  };

  it('lets each refused append of a group reject alone, with its own error, and commits the others', async () => {
    const existing = newEvent('A', {});
    const keyed = newEvent('A', {}, { metadata: { commandId: 'cmd-1', commandFingerprint: 'fp-1' } });
    await store.append('s-existing', 'Thing', [existing], { expectedVersion: 'no_stream' });
    await store.append('s-keyed', 'Thing', [keyed], { expectedVersion: 'no_stream', idempotencyKey: 'cmd-1' });

    const first = newEvent('B', {});
    const second = newEvent('B', {});
    const reused = newEvent('B', {}, { metadata: { commandId: 'cmd-1', commandFingerprint: 'fp-other' } });
    const notJson = newEvent('B', { amount: 1n });
    // All in one turn of the event loop: one group.
    const outcomes = await Promise.allSettled([
      store.append('s-1', 'Thing', [first], { expectedVersion: 'no_stream' }),
      store.append('s-existing', 'Thing', [newEvent('B', {})], { expectedVersion: 'no_stream' }),
      store.append('s-other', 'Thing', [existing], { expectedVersion: 'no_stream' }),
      store.append('s-reused', 'Thing', [reused], { expectedVersion: 'no_stream', idempotencyKey: 'cmd-1' }),
      store.append('s-bad', 'Thing', [notJson], { expectedVersion: 'no_stream' }),
      store.append('s-2', 'Thing', [second], { expectedVersion: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
    expect(reasons[1]).toBeInstanceOf(ExpectedVersionConflictError);
    expect(reasons[1]).toMatchObject({ streamId: 's-existing', expectedVersion: 'no_stream', actualVersion: 1 });
    expect(reasons[2]).toBeInstanceOf(DuplicateEventError);
    expect(reasons[3]).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(reasons[4]).toBeInstanceOf(TypeError);
    expect(committedEventIds()).toEqual([existing.eventId, keyed.eventId, first.eventId, second.eventId]);
    expect(await store.readStream('s-2')).toMatchObject([{ eventId: second.eventId, version: 1 }]);
  });

  it('keeps none of the rows of a multi-event append whose later insert fails, and commits the rest of its group', async () => {
    // A refusal only the insert can meet (the checks before it all pass): SQLite aborts the second row.
    db.exec("CREATE TEMP TRIGGER refuse_bad BEFORE INSERT ON events WHEN NEW.type = 'Bad' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    const [before, good, bad, after] = [newEvent('A', {}), newEvent('Good', {}), newEvent('Bad', {}), newEvent('A', {})];

    const outcomes = await Promise.allSettled([
      store.append('s-1', 'Thing', [before], { expectedVersion: 'no_stream' }),
      store.append('s-2', 'Thing', [good, bad], { expectedVersion: 'no_stream' }),
      store.append('s-3', 'Thing', [after], { expectedVersion: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committedEventIds()).toEqual([before.eventId, after.eventId]);
    expect(await store.readStream('s-2')).toEqual([]);
  });

  it('answers every append of a group only once the group is committed', async () => {
    const events = [newEvent('A', {}), newEvent('B', {}), newEvent('C', {})];
    const seenAtAnswer: string[][] = [];
    const inTransactionAtAnswer: boolean[] = [];

    await Promise.all(
      events.map((event, index) =>
        store.append(`s-${index}`, 'Thing', [event], { expectedVersion: 'no_stream' }).then(() => {
          inTransactionAtAnswer.push(db.inTransaction);
          seenAtAnswer.push(committedEventIds());
        }),
      ),
    );

    const all = events.map((event) => event.eventId);
    expect(inTransactionAtAnswer).toEqual([false, false, false]);
    expect(seenAtAnswer).toEqual([all, all, all]);
  });

  it('sees the earlier appends of its own group: one of two creates a stream, and a repeated key replays', async () => {
    const keyedEvent = () => newEvent('A', {}, { metadata: { commandId: 'cmd-2', commandFingerprint: 'fp' } });
    const outcomes = await Promise.allSettled([
      store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' }),
      store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' }),
      store.append('s-2', 'Thing', [keyedEvent()], { expectedVersion: 'no_stream', idempotencyKey: 'cmd-2' }),
      store.append('s-2', 'Thing', [keyedEvent()], { expectedVersion: 'no_stream', idempotencyKey: 'cmd-2' }),
    ]);

    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { nextVersion: 1 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(ExpectedVersionConflictError) });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { nextVersion: 1 } });
    expect(outcomes[3]).toMatchObject({ status: 'fulfilled', value: { nextVersion: 1, replayed: true } });
    expect(await store.headPosition()).toBe(2);
  });

  it('rejects every append of the group, and writes none, when the COMMIT fails', async () => {
    const before = newEvent('A', {});
    await store.append('s-0', 'Thing', [before], { expectedVersion: 'no_stream' });
    // A deferred foreign key broken by the 'Poison' event: SQLite refuses the COMMIT, not the insert.
    db.exec(`
      CREATE TEMP TABLE poison_parents (id INTEGER PRIMARY KEY);
      CREATE TEMP TABLE poisons (parent INTEGER REFERENCES poison_parents (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TEMP TRIGGER poison_commit AFTER INSERT ON main.events WHEN NEW.type = 'Poison'
      BEGIN INSERT INTO poisons (parent) VALUES (42); END;
    `);

    const outcomes = await Promise.allSettled([
      store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' }),
      store.append('s-2', 'Thing', [newEvent('Poison', {})], { expectedVersion: 'no_stream' }),
      store.append('s-3', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes)
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    expect(db.inTransaction).toBe(false);
    expect(committedEventIds()).toEqual([before.eventId]);
    expect(await store.readAll()).toMatchObject([{ eventId: before.eventId }]);

    // The connection is fine afterwards.
    db.exec('DROP TRIGGER temp.poison_commit');
    await store.append('s-1', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });
    expect(await store.headPosition()).toBeGreaterThan(1);
  });

  it('commits the waiting group before reading a stream or a commandId it appends to, so no command decides on a stale version', async () => {
    const first = newEvent('A', {}, { metadata: { commandId: 'cmd-3', commandFingerprint: 'fp' } });
    const appended = store.append('s-1', 'Thing', [first], { expectedVersion: 'no_stream', idempotencyKey: 'cmd-3' });

    expect(await store.readStream('s-1')).toMatchObject([{ eventId: first.eventId, version: 1 }]);
    expect(await store.findCommand('cmd-3')).toMatchObject({ streamId: 's-1', lastVersion: 1 });
    await expect(appended).resolves.toMatchObject({ nextVersion: 1 });

    // Two commands on one stream, the second loading while the first's append waits: no conflict.
    const a = store.append('s-2', 'Thing', [newEvent('A', {})], { expectedVersion: 'no_stream' });
    const loaded = await store.readStream('s-2');
    const b = store.append('s-2', 'Thing', [newEvent('B', {})], { expectedVersion: loaded.length });
    expect(await Promise.all([a, b])).toMatchObject([{ nextVersion: 1 }, { nextVersion: 2 }]);
  });

  it('writes the appends still waiting for their group before it closes', async () => {
    const event = newEvent('A', {});
    const append = store.append('s-1', 'Thing', [event], { expectedVersion: 'no_stream' });
    await store.close();

    await expect(append).resolves.toMatchObject({ nextVersion: 1 });
    expect(committedEventIds()).toEqual([event.eventId]);
  });
});
