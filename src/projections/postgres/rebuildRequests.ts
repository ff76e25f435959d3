import type { ProjectionFailure } from '../failure.js';
import type { Queryable } from './queryable.js';

/** A rebuild asked for by any instance, taken up by the read model's leader (see the engine). */
type RebuildRequest = {
  /** The generation being built for it; null until a leader has taken it up. */
  generation: number | null;
  /** Why the rebuild stopped; the requester reports it and withdraws the request. */
  failure: ProjectionFailure | null;
};

/**
 * Records a request to rebuild `name`, replacing one that failed; false when one is under way
 * already. One row per read model, so two requests at once make one rebuild.
 */
export async function requestRebuild(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO read_model_rebuild_requests AS request (name) VALUES ($1)
     ON CONFLICT (name) DO UPDATE SET requested_at = now(), generation = NULL, failure = NULL
     WHERE request.failure IS NOT NULL`,
    [name],
  );
  return rowCount === 1;
}

export async function readRebuildRequest(db: Queryable, name: string): Promise<RebuildRequest | undefined> {
  const { rows } = await db.query<RebuildRequest>('SELECT generation, failure FROM read_model_rebuild_requests WHERE name = $1', [name]);
  return rows[0];
}

export async function withdrawRebuildRequest(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM read_model_rebuild_requests WHERE name = $1', [name]);
}

/** Inside the transaction that creates the generation for it: the leader has taken the request up. */
export async function takeUpRebuildRequest(db: Queryable, name: string, generation: number): Promise<void> {
  await db.query('UPDATE read_model_rebuild_requests SET generation = $2 WHERE name = $1', [name, generation]);
}

/** Inside the transaction that drops the failed generation: tell the requester why. */
export async function failRebuildRequest(db: Queryable, name: string, failure: ProjectionFailure): Promise<void> {
  await db.query('UPDATE read_model_rebuild_requests SET failure = $2 WHERE name = $1', [name, JSON.stringify(failure)]);
}
