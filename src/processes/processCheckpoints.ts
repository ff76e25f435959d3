import type Database from 'better-sqlite3';

/** Where each process has got to in the log: the last event it finished handling. */
export class ProcessCheckpoints {
  private readonly statements;

  constructor(db: Database.Database) {
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

  get(name: string): number {
    return this.statements.get.get(name) ?? 0;
  }

  set(name: string, position: number): void {
    this.statements.set.run(name, position);
  }
}
