import type pg from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT on `client`, a connection of its own (a leader's); any error
 * rolls back and is rethrown.
 */
export async function inClientTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
