import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';

/** The PostgreSQL of our machines and CI (trust auth, database `test`). Tests make and drop their own schemas in it. */
export const POSTGRES_TEST_URL = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;

/** Whether POSTGRES_TEST_URL answers; asked once per test file, with a warning when it does not. */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      console.warn(
        `PostgreSQL tests SKIPPED: no PostgreSQL at ${displayUrl()} (${(error as Error).message}). ` +
          'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL_TEST.',
      );
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/**
 * `describe` when PostgreSQL is reachable; otherwise the same tests, skipped, under a name that says
 * why (a skipped test shows in the report, where a missing one would not).
 */
export async function describeWithPostgres(name: string, body: () => void): Promise<void> {
  if (await postgresReachable()) describe(name, body);
  else describe.skip(`${name} (skipped: no PostgreSQL at ${displayUrl()})`, body);
}

/** A fresh, empty schema for one test, so tests run in parallel and leave nothing behind. */
export type TestSchema = { schema: string; drop: () => Promise<void> };

export async function createTestSchema(): Promise<TestSchema> {
  const schema = `os_${randomBytes(8).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  return { schema, drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/** Ends the connection behind `pid` as a crash or a network cut would, from the server's side. */
export async function terminateBackend(pid: number): Promise<void> {
  await admin('SELECT pg_terminate_backend($1)', [pid]);
}

async function admin(sql: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

function displayUrl(): string {
  const url = new URL(POSTGRES_TEST_URL);
  if (url.password) url.password = '***';
  return url.toString();
}
