import type { ReadDb } from '../readDb.js';
import type { Queryable } from './queryable.js';

/** Queries on a PostgreSQL pool or client that reads int8 and numeric as numbers (readSideTypes). */
export function postgresReadDb(db: Queryable): ReadDb {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await db.query(sql, [...params])).rows as T[],
  };
}
