import type pg from 'pg';
import type { ProjectionFailure } from '../failure.js';
import type { AnyReadModel } from '../readModel.js';
import { physicalName } from '../sqlite/generations.js';
import { createIndexSql, createTableSql } from '../tables.js';
import type { Queryable } from './queryable.js';

export type PostgresGenerationRow = {
  name: string;
  generation: number;
  version: number;
  position: number;
  live: boolean;
  building: boolean;
  failure: ProjectionFailure | null;
};

/** Another instance moved the checkpoint, or swapped the generation: this one no longer leads. */
export class LeadershipLostError extends Error {
  constructor(name: string) {
    super(`Projection ${name}: another instance has taken over its tables`);
    this.name = 'LeadershipLostError';
  }
}

/** Every generation row of every projection: what each instance reads to follow the leaders. */
export async function readGenerations(db: Queryable): Promise<PostgresGenerationRow[]> {
  const { rows } = await db.query<PostgresGenerationRow>('SELECT * FROM read_model_generations ORDER BY name, generation');
  return rows;
}

/**
 * Inside a transaction: creates the tables of a new generation. Live at once (`live`), and then
 * building, when there is nothing to serve meanwhile (a new read model or version); otherwise beside
 * the live one, for a rebuild.
 */
export async function createGeneration(
  client: pg.ClientBase,
  definition: AnyReadModel,
  { live }: { live: boolean },
): Promise<PostgresGenerationRow> {
  const { rows } = await client.query<{ next: number }>(
    'SELECT coalesce(max(generation), 0) + 1 AS next FROM read_model_generations WHERE name = $1',
    [definition.name],
  );
  const generation = rows[0]!.next;
  await dropTables(client, definition, generation);
  // Without secondary indexes: a build writes faster without them (see buildIndexes).
  for (const [logical, table] of Object.entries(definition.tables)) {
    await client.query(createTableSql('postgres', physicalName(logical, generation), table));
  }
  await client.query('INSERT INTO read_model_generations (name, generation, version, building) VALUES ($1, $2, $3, $4)', [
    definition.name,
    generation,
    definition.version,
    live,
  ]);
  if (live) await pointViewsAt(client, definition, generation);
  return { name: definition.name, generation, version: definition.version, position: 0, live, building: live, failure: null };
}

/** Inside a transaction: forgets a generation that is not live (a rebuild that failed), tables and all. */
export async function dropGeneration(client: pg.ClientBase, definition: AnyReadModel, generation: number): Promise<void> {
  await dropTables(client, definition, generation);
  await client.query('DELETE FROM read_model_generations WHERE name = $1 AND generation = $2 AND NOT live', [definition.name, generation]);
}

async function dropTables(client: pg.ClientBase, definition: AnyReadModel, generation: number): Promise<void> {
  for (const logical of Object.keys(definition.tables))
    await client.query(`DROP TABLE IF EXISTS ${physicalName(logical, generation)} CASCADE`);
}

/**
 * Inside a transaction: the logical views now read `generation`, which becomes the live one; the
 * other generations' tables are dropped (DDL is transactional in PostgreSQL, so readers see the
 * old tables or the new, never neither).
 */
export async function pointViewsAt(client: pg.ClientBase, definition: AnyReadModel, generation: number): Promise<void> {
  const { rows: others } = await client.query<{ generation: number }>(
    'SELECT generation FROM read_model_generations WHERE name = $1 AND generation <> $2',
    [definition.name, generation],
  );
  for (const logical of Object.keys(definition.tables)) {
    await client.query(`DROP VIEW IF EXISTS ${logical}`);
    await client.query(`CREATE VIEW ${logical} AS SELECT * FROM ${physicalName(logical, generation)}`);
  }
  for (const { generation: old } of others) await dropTables(client, definition, old);
  await client.query('DELETE FROM read_model_generations WHERE name = $1 AND generation <> $2', [definition.name, generation]);
  await client.query('UPDATE read_model_generations SET live = true WHERE name = $1 AND generation = $2', [definition.name, generation]);
}

/**
 * Inside the batch's transaction: moves the checkpoint from `from` to `to`, only if it is still at
 * `from` (a fence: a leader that lost its lock, or was swapped out, fails here and commits nothing).
 * The NOTIFY on `channel` rides along in the same round trip; PostgreSQL sends it at COMMIT only.
 */
export async function moveCheckpoint(
  client: pg.ClientBase,
  name: string,
  generation: number,
  { from, to, channel }: { from: number; to: number; channel: string },
): Promise<void> {
  const { rows } = await client.query<{ moved: number }>(
    `WITH moved AS (UPDATE read_model_generations SET position = $4 WHERE name = $1 AND generation = $2 AND position = $3 RETURNING 1)
     SELECT count(*)::int AS moved, pg_notify($5, $4::text) FROM moved`,
    [name, generation, from, to, channel],
  );
  if (rows[0]!.moved !== 1) throw new LeadershipLostError(name);
}

export async function recordFailure(db: Queryable, name: string, generation: number, failure: ProjectionFailure | null): Promise<void> {
  await db.query('UPDATE read_model_generations SET failure = $3 WHERE name = $1 AND generation = $2', [
    name,
    generation,
    failure === null ? null : JSON.stringify(failure),
  ]);
}

/** A first build has caught up: its indexes are built, and from now on the generation announces its changes. */
export async function finishBuilding(client: pg.ClientBase, definition: AnyReadModel, generation: number): Promise<void> {
  await buildIndexes(client, definition, generation);
  await client.query('UPDATE read_model_generations SET building = false WHERE name = $1 AND generation = $2', [
    definition.name,
    generation,
  ]);
}

/** Inside a transaction: the generation's secondary indexes, those it lacks. */
export async function buildIndexes(client: pg.ClientBase, definition: AnyReadModel, generation: number): Promise<void> {
  for (const [logical, table] of Object.entries(definition.tables)) {
    for (const sql of createIndexSql(physicalName(logical, generation), table)) await client.query(sql);
  }
}
