import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
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
});
