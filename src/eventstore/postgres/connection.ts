import pg from 'pg';

/** Where the log lives: a PostgreSQL URL and, optionally, the schema that holds its tables. */
export type PostgresConnectionOptions = {
  /** e.g. postgres://user@host:5432/db (the server's DATABASE_URL). */
  connectionString: string;
  /**
   * The schema for the log's tables (its search_path), so several logs can share one database, as
   * tests do. Default: the server's search_path (usually `public`). A URL that sets `options`
   * replaces ours (this schema and the idle-in-transaction timeout).
   */
  schema?: string;
};

const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/** The channel appends NOTIFY on and watchers LISTEN to; one per schema, so logs do not wake each other. */
export function logChannel({ schema }: Pick<PostgresConnectionOptions, 'schema'>): string {
  return schema === undefined ? 'orderstream_events' : `orderstream_events_${schema}`;
}

/** Settings every connection of ours shares: the schema and a name that shows in pg_stat_activity. */
export function clientConfig({ connectionString, schema }: PostgresConnectionOptions, role: string): pg.ClientConfig {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    // It goes into a startup option and a channel name unquoted: allow only plain lower-case names.
    throw new TypeError(`Schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
  }
  return {
    connectionString,
    // Which log a connection serves shows in pg_stat_activity (and lets tests find it).
    application_name: schema === undefined ? `orderstream ${role}` : `orderstream ${role} (${schema})`,
    options: [
      schema === undefined ? '' : `-c search_path=${schema}`,
      // An instance that stalls (paused, partitioned) while holding the append lock would stop every
      // instance's appends; the server ends such a transaction (rolled back) after this long.
      `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
      // Our statements are short lookups by index. With statistics behind a growing log, a plan's cost
      // estimate passes jit_above_cost and compiling takes 10 ms or more to save microseconds.
      '-c jit=off',
    ]
      .join(' ')
      .trim(),
    // Notice a dead peer on an idle connection (no RST after a network cut) instead of waiting forever.
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
  };
}

/**
 * A pool for one store. An idle pooled connection that the server drops emits 'error' on the pool,
 * which would crash the process if nobody listened; the pool replaces it on next use, so we only report it.
 */
export function createPool(
  options: PostgresConnectionOptions,
  { max = 10, onIdleError = () => {} }: { max?: number; onIdleError?: (error: Error) => void } = {},
): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options, 'event store'), max });
  pool.on('error', onIdleError);
  return pool;
}
