import pg from 'pg';
import { clientConfig, type PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import type { Logger } from '../../logging/logger.js';
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
  private pid: number | undefined;

  constructor(
    private readonly connection: PostgresConnectionOptions,
    readonly name: string,
    private readonly logger: Logger,
    /** What is led, as the logs name it: a read model (the default) or a process. */
    private readonly led: { kind: 'projection' | 'process'; name: string } = { kind: 'projection', name },
  ) {}

  private get label(): string {
    return `${this.led.kind === 'projection' ? 'Projection' : 'Process'} ${this.led.name}`;
  }

  private get fields(): Record<string, string> {
    return { [this.led.kind]: this.led.name };
  }

  get leads(): boolean {
    return this.holds;
  }

  /** The connection holding the lock, while this instance holds it. */
  get heldClient(): pg.Client | undefined {
    return this.holds ? this.client : undefined;
  }

  /** The server process of this instance's connection for the lock, so that it never ends its own. */
  get backendPid(): number | undefined {
    return this.pid;
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
      this.logger.info(this.fields, `${this.label}: this instance ${this.led.kind === 'projection' ? 'writes' : 'runs'} it now`);
      return client;
    }
    return undefined;
  }

  /** Gives the lock up (ends its connection): after an error on it, at stop, or for a newer version of the code. */
  async release(error?: Error): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.pid = undefined;
    if (this.holds) {
      this.holds = false;
      if (error) this.logger.warn({ ...this.fields, err: error }, `${this.label}: this instance no longer leads it`);
      else this.logger.info(this.fields, `${this.label}: this instance has handed it over`);
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
      this.pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    return client;
  }
}

/**
 * Ends the connection holding `name`'s lock in this database and schema, as a follower does to a
 * leader that has stalled, if that connection has been idle (running no statement) for `idleForMs`:
 * a leader busy with a long statement is working, not stalled. PostgreSQL then frees the lock.
 * Never one of `ours`. Returns the server processes ended.
 */
export async function endStalledLeader(
  db: Pick<pg.ClientBase, 'query'>,
  name: string,
  { idleForMs, ours }: { idleForMs: number; ours: number[] },
): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.objid::int = hashtext(current_schema() || '.' || $2)
       AND a.state <> 'active' AND a.state_change < now() - make_interval(secs => $3)
       AND NOT (l.pid = ANY($4::int[]))`,
    [READ_MODEL_LOCK_CLASS, name, idleForMs / 1000, ours],
  );
  for (const { pid } of rows) await db.query('SELECT pg_terminate_backend($1)', [pid]);
  return rows.map((row) => row.pid);
}
