import pg from 'pg';
import { clientConfig, type PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import { readSideTypes } from './readSidePool.js';

/** Keeps our advisory locks apart from other users of the two-key form (the log uses its own class). */
const READ_MODEL_LOCK_CLASS = 0x05_7e_a4;

/**
 * Whether this instance writes one projection's tables: it does while its own connection holds the
 * projection's session advisory lock. The lock goes when the connection does (a crash, kill -9, a
 * network cut noticed by keepalive), and another instance's next try takes it over. The leader's
 * batches run on this same connection, so a leader that lost its lock cannot commit one more.
 */
export class Leadership {
  private client: pg.Client | undefined;
  private holds = false;

  constructor(
    private readonly connection: PostgresConnectionOptions,
    readonly name: string,
    private readonly onChange: (leads: boolean, error?: Error) => void = () => {},
  ) {}

  get leads(): boolean {
    return this.holds;
  }

  /** The connection holding the lock, taking the lock if it is free; undefined while another instance leads. */
  async acquire(): Promise<pg.Client | undefined> {
    if (this.holds && this.client) return this.client;
    const client = this.client ?? (await this.connect());
    const { rows } = await client.query<{ held: boolean }>(
      // One lock per projection per schema, so logs in different schemas (tests) do not share leaders.
      "SELECT pg_try_advisory_lock($1, hashtext(current_schema() || '.' || $2)) AS held",
      [READ_MODEL_LOCK_CLASS, this.name],
    );
    if (rows[0]!.held && client === this.client) {
      this.holds = true;
      this.onChange(true);
      return client;
    }
    return undefined;
  }

  /** Gives the lock up (ends its connection): after an error on it, at stop, or for a newer version of the code. */
  async release(error?: Error): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.holds) {
      this.holds = false;
      this.onChange(false, error);
    }
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...clientConfig(this.connection, `read-model leader pid ${process.pid}`), types: readSideTypes });
    // A dead socket reports here; the next query on it fails too, and release() replaces it.
    client.on('error', (error) => {
      if (this.client === client) void this.release(error);
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    return client;
  }
}

/**
 * Ends the connection holding `name`'s lock in this schema (not ours), as a follower does to a leader
 * that has stalled; PostgreSQL then frees the lock. Returns the server processes ended.
 */
export async function endLeaderConnection(db: Pick<pg.ClientBase, 'query'>, name: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1
       AND l.objid::int = hashtext(current_schema() || '.' || $2) AND l.pid <> pg_backend_pid()`,
    [READ_MODEL_LOCK_CLASS, name],
  );
  for (const { pid } of rows) await db.query('SELECT pg_terminate_backend($1)', [pid]);
  return rows.map((row) => row.pid);
}
