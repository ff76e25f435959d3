import type Database from 'better-sqlite3';
import type { ReadDb } from '../readDb.js';

/** Queries on a SQLite file: each SQL text prepared once; array parameters passed as JSON (see inList). */
export function sqliteReadDb(db: Database.Database): ReadDb {
  const statements = new Map<string, Database.Statement>();
  return {
    dialect: 'sqlite',
    all<T>(sql: string, params: readonly unknown[] = []): T[] {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql.replace(/\$(\d+)/g, '@p$1'));
        statements.set(sql, statement);
      }
      const named = Object.fromEntries(
        params.map((param, index) => [`p${index + 1}`, Array.isArray(param) ? JSON.stringify(param) : param]),
      );
      return (params.length ? statement.all(named) : statement.all()) as T[];
    },
  };
}
