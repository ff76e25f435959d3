import type Database from 'better-sqlite3';

/** Where each projection is in the log; written in the same transaction as its rows. */
export function prepareCheckpoints(db: Database.Database) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name     TEXT    PRIMARY KEY,
      position INTEGER NOT NULL
    ) STRICT;
  `);
  const read = db.prepare<[string], number>('SELECT position FROM projection_checkpoints WHERE name = ?').pluck();
  const write = db.prepare<[string, number], void>(
    `INSERT INTO projection_checkpoints (name, position) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
  );
  return {
    read: (name: string): number => read.get(name) ?? 0,
    write: (name: string, position: number): void => void write.run(name, position),
  };
}
