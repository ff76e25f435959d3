import type pg from 'pg';
import type { Statements } from './bundledStatements.js';
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

/** One generation's checkpoint moving from `from` to `to` in a batch's transaction. */
export type CheckpointMove = { name: string; generation: number; from: number; to: number };

/**
 * Inside the batch's transaction: moves each checkpoint from `from` to `to`, only if it is still at
 * `from` (a fence: a leader that lost its lock, or was swapped out, fails here and commits nothing).
 * One statement for every read model in the batch; the NOTIFY on `channel` rides along in it, and
 * PostgreSQL sends it at COMMIT only.
 */
export async function moveCheckpoints(client: Statements, moves: readonly CheckpointMove[], channel: string): Promise<void> {
  const { rows } = await client.query<{ moved: number }>(
    `WITH moved AS (
       UPDATE read_model_generations g SET position = m.to_position
       FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) AS m(name, generation, from_position, to_position)
       WHERE g.name = m.name AND g.generation = m.generation AND g.position = m.from_position
       RETURNING 1)
     SELECT count(*)::int AS moved, pg_notify($5, $6) FROM moved`,
    [
      moves.map((move) => move.name),
      moves.map((move) => move.generation),
      moves.map((move) => move.from),
      moves.map((move) => move.to),
      channel,
      checkpointsMoved(moves),
    ],
  );
  if (rows[0]!.moved !== moves.length) throw new LeadershipLostError(moves.map((move) => move.name).join(', '));
}

/**
 * The NOTIFY payload of a batch: each read model, generation and position it reached, so that a
 * follower shows them without reading the generations back. JSON, well under NOTIFY's 8,000 bytes.
 */
export function checkpointsMoved(moves: readonly CheckpointMove[]): string {
  return JSON.stringify(moves.map(({ name, generation, to }) => [name, generation, to]));
}

/** The moves a batch's NOTIFY payload names; undefined for any other payload (a rebuild, a retry, older code's). */
export function movedCheckpoints(payload: string): { name: string; generation: number; to: number }[] | undefined {
  try {
    const moves: unknown = JSON.parse(payload);
    if (!Array.isArray(moves)) return undefined;
    const valid = moves.every(
      (move) => Array.isArray(move) && typeof move[0] === 'string' && Number.isSafeInteger(move[1]) && Number.isSafeInteger(move[2]),
    );
    return valid ? moves.map(([name, generation, to]) => ({ name, generation, to })) : undefined;
  } catch {
    return undefined;
  }
}

/** A change a read model announces at a position, for every instance's subscribers. */
export type AnnouncedChange = { name: string; position: number; change: unknown };

/** Inside the batch's transaction: records the announced changes of every read model in it, in one statement. */
export async function recordChanges(client: Statements, changes: readonly AnnouncedChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO read_model_changes (name, position, change)
     SELECT name, position, change::jsonb FROM unnest($1::text[], $2::bigint[], $3::text[]) AS c(name, position, change)`,
    [changes.map((c) => c.name), changes.map((c) => c.position), changes.map((c) => JSON.stringify(c.change))],
  );
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
