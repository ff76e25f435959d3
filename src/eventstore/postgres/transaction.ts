import type pg from 'pg';

/** COMMIT itself failed: the server may or may not have committed before the connection broke. */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('The connection broke during COMMIT', { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}

/**
 * Runs `work` on one pooled connection between BEGIN and COMMIT; any error rolls back and is
 * rethrown. A connection that breaks, or cannot even roll back, is discarded rather than handed to
 * the next caller.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client reports a dead socket as an 'error' event, which would crash the process
  // unheard; the query in flight (or the next one) rejects with it anyway.
  const onConnectionError = (error: Error) => {
    broken = error;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      broken = error as Error;
      throw new CommitOutcomeUnknownError(error);
    }
    return result;
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
}
