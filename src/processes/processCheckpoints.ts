import type Database from 'better-sqlite3';
import { withoutFsync } from '../eventstore/sqlite/withoutFsync.js';

/** Where each process has got to in the log: the last event it finished handling. */
export class ProcessCheckpoints {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS process_checkpoints (
      name     TEXT PRIMARY KEY,
      position INTEGER NOT NULL
    ) STRICT`);
    this.statements = {
      get: db.prepare<[string], number>('SELECT position FROM process_checkpoints WHERE name = ?').pluck(),
      set: db.prepare<[string, number], void>(
        `INSERT INTO process_checkpoints (name, position) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position WHERE excluded.position > position`,
      ),
    };
  }

  /** 0 when it has none. */
  get(name: string): number {
    return this.statements.get.get(name) ?? 0;
  }

  has(name: string): boolean {
    return this.statements.get.get(name) !== undefined;
  }

  /** Without an fsync: a checkpoint lost to a power cut only makes the process re-handle events its idempotency keys make no-ops. */
  set(name: string, position: number): void {
    withoutFsync(this.db, () => this.statements.set.run(name, position));
  }
}
