import type pg from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT on `client`, a connection of its own (a leader's); any error
 * rolls back and is rethrown. `settings` (SET LOCAL statements) go with the BEGIN, in its round trip.
 */
export async function inClientTransaction<T>(client: pg.ClientBase, work: () => Promise<T>, settings = ''): Promise<T> {
  await client.query(settings ? `BEGIN; ${settings}` : 'BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
