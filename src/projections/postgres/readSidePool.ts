import pg from 'pg';
import { clientConfig, type PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import { toStorageError } from '../../eventstore/postgres/storageErrors.js';
import type { Queryable } from './queryable.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * bigint columns and sum()/count() come back as strings by default; our figures (minor units,
 * positions, counts) are integers well inside 2^53, so the read side reads them as numbers.
 */
export const readSideTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** A pool for the read side's queries, with integers read as numbers. */
export function createReadSidePool(
  options: PostgresConnectionOptions,
  { max = 10, onIdleError = () => {} }: { max?: number; onIdleError?: (error: Error) => void },
): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options, 'read side'), types: readSideTypes, max });
  pool.on('error', onIdleError);
  return pool;
}

/** Queries on `pool` whose storage faults (down, restarting) are SERVICE_UNAVAILABLE, not internal errors. */
export function withStorageErrors(pool: pg.Pool, failed = 'The read models cannot be read right now'): Queryable {
  return {
    query: ((...args: Parameters<pg.Pool['query']>) =>
      (pool.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
        throw toStorageError(error, failed);
      })) as Queryable['query'],
  };
}
