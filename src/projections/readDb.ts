import type { Dialect } from './tables.js';

/** A value now (SQLite) or later (PostgreSQL). */
export type Maybe<T> = T | Promise<T>;

/**
 * What a read model's queries run on, in either database: one SQL text per query, written with
 * PostgreSQL's $1, $2… placeholders (SQLite binds them by name). SQLite answers at once, so its
 * queries stay synchronous; PostgreSQL answers with a promise.
 */
export type ReadDb = {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly unknown[]): Maybe<T[]>;
};

/** `next(value)`, at once when `value` is there, else once it is. */
export function andThen<T, U>(value: Maybe<T>, next: (value: T) => Maybe<U>): Maybe<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** `column` is one of the list passed as `parameter` (an array). */
export function inList(dialect: Dialect, column: string, parameter: string): string {
  return dialect === 'sqlite' ? `${column} IN (SELECT value FROM json_each(${parameter}))` : `${column} = ANY(${parameter})`;
}
