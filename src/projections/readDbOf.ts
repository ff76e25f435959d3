import type Database from 'better-sqlite3';
import { postgresReadDb } from './postgres/postgresReadDb.js';
import type { Queryable } from './postgres/queryable.js';
import type { ReadDb } from './readDb.js';
import { sqliteReadDb } from './sqlite/sqliteReadDb.js';

/** What queries may be given: a ReadDb, a SQLite database, or a PostgreSQL pool or client. */
export type ReadSource = ReadDb | Database.Database | Queryable;

export function readDbOf(source: ReadSource): ReadDb {
  if ('dialect' in source) return source;
  return 'prepare' in source ? sqliteReadDb(source) : postgresReadDb(source);
}
