import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentSnapshots } from '../../src/eventstore/recentSnapshots.js';
import type { Snapshot } from '../../src/eventstore/snapshotStore.js';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { SqliteSnapshotStore } from '../../src/eventstore/sqlite/sqliteSnapshotStore.js';

const snapshot = (streamId: string, version: number, stateSchemaVersion = 1): Snapshot => ({
  streamId,
  version,
  stateSchemaVersion,
  state: { streamId, version },
  takenAt: '2026-12-04T10:00:00.000Z',
});

describe('RecentSnapshots in front of the SQLite snapshots table', () => {
  let directory: string;
  let db: Database.Database;
  let stored: SqliteSnapshotStore;
  let snapshots: RecentSnapshots;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-recent-snapshots-'));
    db = openDatabase(join(directory, 'log.db'));
    stored = new SqliteSnapshotStore(db);
    snapshots = new RecentSnapshots(stored, { capacity: 2, storeEvery: 10 });
  });

  afterEach(() => {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers a load with the state saved, without parsing it again, and keeps it in the table too', async () => {
    const saved = snapshot('s-1', 4);
    await snapshots.save(saved);
    expect(await snapshots.load('s-1', 1)).toBe(saved);
    expect(await stored.load('s-1', 1)).toEqual(saved);
  });

  it("writes a stream's first save to the table, then one every storeEvery versions", async () => {
    for (const version of [1, 4, 8, 11, 12]) await snapshots.save(snapshot('s-1', version));
    expect((await snapshots.load('s-1', 1))?.version).toBe(12);
    expect((await stored.load('s-1', 1))?.version).toBe(11);
  });

  it('keeps the newer of two saves of the same shape, as the table does', async () => {
    const newer = snapshot('s-1', 8);
    await snapshots.save(newer);
    await snapshots.save(snapshot('s-1', 4));
    expect(await snapshots.load('s-1', 1)).toBe(newer);
  });

  it('reads the table for another shape, and for streams it let go beyond its capacity', async () => {
    await snapshots.save(snapshot('s-1', 4));
    expect(await snapshots.load('s-1', 2)).toBeUndefined();
    const first = snapshot('s-first', 1);
    await snapshots.save(first);
    await snapshots.save(snapshot('s-2', 1));
    await snapshots.save(snapshot('s-3', 1));
    const loaded = await snapshots.load('s-first', 1);
    expect(loaded).toEqual(first);
    expect(loaded).not.toBe(first);
  });

  it('forgets what is discarded or deleted', async () => {
    await snapshots.save(snapshot('s-1', 4));
    await snapshots.discard('s-1', 4);
    expect(await snapshots.load('s-1', 1)).toBeUndefined();
    await snapshots.save(snapshot('s-2', 4));
    await snapshots.deleteAll();
    expect(await snapshots.load('s-2', 1)).toBeUndefined();
  });
});
