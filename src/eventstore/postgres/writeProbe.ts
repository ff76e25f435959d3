import type pg from 'pg';
import type { WriteProbeResult } from '../sqlite/writeProbe.js';
import { toStorageError } from './storageErrors.js';
import { inTransaction } from './transaction.js';

/** Beyond the statement timeout: a pool whose connections are all busy, or a server that does not answer at all. */
const CONNECT_GRACE_MS = 2_000;

/**
 * Whether the log in PostgreSQL takes writes now (readiness): one transaction that is given a
 * transaction id, so its COMMIT is written and flushed like an append's, refused when the session is
 * read-only (a standby, default_transaction_read_only). Gives up after `timeoutMs` plus a grace for
 * getting a connection. Never throws; writes no row.
 */
export async function probePostgresWritable(pool: pg.Pool, timeoutMs = 250): Promise<WriteProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timeout exceeded when trying to connect (no answer within ${timeoutMs + CONNECT_GRACE_MS} ms)`)),
      timeoutMs + CONNECT_GRACE_MS,
    );
  });
  const probe = inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const { rows } = await client.query<{ read_only: boolean }>(
      "SELECT current_setting('transaction_read_only') = 'on' AS read_only, pg_current_xact_id()",
    );
    return rows[0]!.read_only;
  });
  try {
    const readOnly = await Promise.race([probe, deadline]);
    if (readOnly)
      return {
        writable: false,
        reason: 'The event log cannot take writes: the database is read-only (a standby, or default_transaction_read_only)',
      };
    return { writable: true };
  } catch (error) {
    const mapped = toStorageError(error, 'The event log cannot take writes');
    return { writable: false, reason: mapped instanceof Error ? mapped.message : String(mapped) };
  } finally {
    clearTimeout(timer);
    // A probe that lost the race still settles; its outcome is not needed.
    probe.catch(() => {});
  }
}
