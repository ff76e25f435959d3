import type Database from 'better-sqlite3';
import type { AnyReadModel } from '../readModel.js';
import { createIndexSql, createTableSql } from '../tables.js';

/** Logical table name → physical table name of one generation. */
export type TableNames = Record<string, string>;

export type GenerationRow = {
  name: string;
  generation: number;
  version: number;
  position: number;
  live: number;
};

/**
 * Each projection's table generations and their checkpoints. The live generation is the one the
 * logical views point at; a rebuild fills a new generation beside it and swaps in one transaction.
 */
export class Generations {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS projection_generations (
        name       TEXT    NOT NULL,
        generation INTEGER NOT NULL,
        version    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        live       INTEGER NOT NULL CHECK (live IN (0, 1)),
        PRIMARY KEY (name, generation)
      ) STRICT;
    `);
    this.statements = {
      live: db.prepare<[string], GenerationRow>('SELECT * FROM projection_generations WHERE name = ? AND live = 1'),
      latest: db.prepare<[string], number>('SELECT max(generation) FROM projection_generations WHERE name = ?').pluck(),
      insert: db.prepare<[string, number, number], void>(
        'INSERT INTO projection_generations (name, generation, version, position, live) VALUES (?, ?, ?, 0, 0)',
      ),
      position: db
        .prepare<[string, number], number>('SELECT position FROM projection_generations WHERE name = ? AND generation = ?')
        .pluck(),
      checkpoint: db.prepare<[number, string, number], void>(
        // Never back: a process behind another re-applies what is applied already, changing nothing.
        'UPDATE projection_generations SET position = max(position, ?) WHERE name = ? AND generation = ?',
      ),
      setLive: db.prepare<[{ name: string; generation: number }], void>(
        'UPDATE projection_generations SET live = (generation = @generation) WHERE name = @name',
      ),
      remove: db.prepare<[string, number], void>('DELETE FROM projection_generations WHERE name = ? AND generation = ?'),
      stale: db.prepare<[string], number>('SELECT generation FROM projection_generations WHERE name = ? AND live = 0').pluck(),
    };
  }

  live(name: string): GenerationRow | undefined {
    return this.statements.live.get(name);
  }

  /**
   * Creates the tables of a new, empty generation (not yet live) and returns its number. Without
   * their secondary indexes: a build writes faster without them, and `buildIndexes` adds them once
   * it has caught up.
   */
  create(definition: AnyReadModel): number {
    const generation = (this.statements.latest.get(definition.name) ?? 0) + 1;
    this.db
      .transaction(() => {
        for (const [logical, table] of Object.entries(definition.tables)) {
          this.db.exec(createTableSql('sqlite', physicalName(logical, generation), table));
        }
        this.statements.insert.run(definition.name, generation, definition.version);
      })
      .immediate();
    return generation;
  }

  /** Builds the generation's secondary indexes, those it lacks. */
  buildIndexes(definition: AnyReadModel, generation: number): void {
    this.db
      .transaction(() => {
        for (const [logical, table] of Object.entries(definition.tables)) {
          for (const sql of createIndexSql(physicalName(logical, generation), table)) this.db.exec(sql);
        }
      })
      .immediate();
  }

  /** The checkpoint of `generation` as stored (undefined when it is gone). */
  position(name: string, generation: number): number | undefined {
    return this.statements.position.get(name, generation);
  }

  /** Must run inside the transaction that applied the events up to `position`. */
  checkpoint(name: string, generation: number, position: number): void {
    this.statements.checkpoint.run(position, name, generation);
  }

  /** Points the logical views at `generation` and marks it live, atomically. */
  makeLive(definition: AnyReadModel, generation: number): void {
    this.db
      .transaction(() => {
        for (const logical of Object.keys(definition.tables)) {
          this.db.exec(`DROP VIEW IF EXISTS ${logical}`);
          this.db.exec(`CREATE VIEW ${logical} AS SELECT * FROM ${physicalName(logical, generation)}`);
        }
        this.statements.setLive.run({ name: definition.name, generation });
      })
      .immediate();
  }

  /** Drops a generation's tables once no view points at them. */
  drop(definition: AnyReadModel, generation: number): void {
    this.db
      .transaction(() => {
        for (const logical of Object.keys(definition.tables)) this.db.exec(`DROP TABLE IF EXISTS ${physicalName(logical, generation)}`);
        this.statements.remove.run(definition.name, generation);
      })
      .immediate();
  }

  /** Generations of a projection other than the live one: leftovers of an interrupted rebuild. */
  stale(name: string): number[] {
    return this.statements.stale.all(name);
  }
}

export function physicalName(logical: string, generation: number): string {
  return `${logical}__g${generation}`;
}

export function tableNames(definition: AnyReadModel, generation: number): TableNames {
  return Object.fromEntries(Object.keys(definition.tables).map((logical) => [logical, physicalName(logical, generation)]));
}
