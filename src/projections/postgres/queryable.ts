import type pg from 'pg';

/** A pool or a client: what queries run on. */
export type Queryable = Pick<pg.ClientBase, 'query'>;
