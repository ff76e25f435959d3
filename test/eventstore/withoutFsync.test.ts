import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/eventstore/sqlite/openDatabase.js';
import { withoutFsync } from '../../src/eventstore/sqlite/withoutFsync.js';

describe('withoutFsync', () => {
  let directory: string;
  let db: Database.Database;
  const level = () => db.pragma('synchronous', { simple: true });
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'orderstream-fsync-'));
    db = openDatabase(join(directory, 'events.db'), { synchronous: 'FULL' });
    db.exec('CREATE TABLE derived (x INTEGER)');
  });
  afterEach(() => {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('should write with synchronous=NORMAL and give the log its FULL level back, also when the write throws', () => {
    const seen = withoutFsync(db, () => {
      db.prepare('INSERT INTO derived VALUES (1)').run();
      return level();
    });
    expect(seen).toBe(1);
    expect(level()).toBe(2);
    expect(() => withoutFsync(db, () => db.prepare('INSERT INTO missing VALUES (1)').run())).toThrow(/no such table/);
    expect(level()).toBe(2);
    expect(db.prepare('SELECT count(*) FROM derived').pluck().get()).toBe(1);
  });

  it("should leave a caller's open transaction at its level", () => {
    const seen = db.transaction(() => withoutFsync(db, () => level()))();
    expect(seen).toBe(2);
  });
});
