import type { EventStore } from '../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../eventstore/postgres/connection.js';
import type { Logger } from '../logging/logger.js';
import { endStalledLeader, Leadership } from '../projections/postgres/leadership.js';
import type { Queryable } from '../projections/postgres/queryable.js';
import type { ProcessLead } from './processLead.js';

/** How often a leader writes its checkpoint for the others at most: they only report it. */
const PUBLISH_EVERY_MS = 200;

type PostgresProcessLeadOptions = {
  connection: PostgresConnectionOptions;
  /** The read side's pool, for the published checkpoints (read_model_process_progress). */
  db: Queryable;
  store: Pick<EventStore, 'headPosition'>;
  logger: Logger;
  /** How long the leader may publish no progress, with events waiting, before another instance ends its lead. Default 5 s. */
  stalledLeaderAfterMs?: number;
};

/**
 * A process led through a session advisory lock, as the read models are (Leadership): the lock goes
 * with the leader's connection (a crash, kill -9), and another instance's next try takes it. The
 * leader publishes its checkpoint in PostgreSQL, which the others report as the process's position
 * and watch: a leader that publishes nothing new for `stalledLeaderAfterMs` while the log is ahead
 * of it (a frozen process) has its connection ended, as a stalled read-model leader does.
 */
export class PostgresProcessLead implements ProcessLead {
  private readonly leadership: Leadership;
  private latest: number | undefined;
  private lastPublishAt = 0;
  private publishing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seen: { position: number; since: number } | undefined;

  constructor(
    private readonly name: string,
    private readonly options: PostgresProcessLeadOptions,
  ) {
    this.leadership = new Leadership(options.connection, `process:${name}`, options.logger, { kind: 'process', name });
  }

  get leads(): boolean {
    return this.leadership.leads;
  }

  async acquire(): Promise<boolean> {
    if (await this.leadership.acquire()) {
      this.seen = undefined;
      return true;
    }
    await this.watchLeader();
    return false;
  }

  async progress(): Promise<number> {
    const { rows } = await this.options.db.query<{ position: number }>('SELECT position FROM read_model_process_progress WHERE name = $1', [
      this.name,
    ]);
    return Number(rows[0]?.position ?? 0);
  }

  publish(position: number): void {
    this.latest = position;
    if (this.publishing || this.timer) return;
    const wait = this.lastPublishAt + PUBLISH_EVERY_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.publish(this.latest!);
      }, wait);
      this.timer.unref();
      return;
    }
    this.lastPublishAt = Date.now();
    this.publishing = this.options.db
      .query(
        `INSERT INTO read_model_process_progress (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = greatest(read_model_process_progress.position, excluded.position), updated_at = now()`,
        [this.name, position],
      )
      .then(
        () => undefined,
        (error: unknown) =>
          this.options.logger.warn({ err: error, process: this.name }, `Process ${this.name}: publishing its checkpoint failed`),
      )
      .finally(() => {
        this.publishing = undefined;
        if (this.latest !== position) this.publish(this.latest!);
      });
  }

  async release(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.publishing;
    await this.leadership.release();
  }

  /** From a follower's try: ends the lead of a leader that stands still with events waiting. */
  private async watchLeader(): Promise<void> {
    const stalledAfterMs = this.options.stalledLeaderAfterMs ?? 5000;
    const position = await this.progress();
    if (this.seen?.position !== position) {
      this.seen = { position, since: Date.now() };
      return;
    }
    if (Date.now() - this.seen.since < stalledAfterMs || (await this.options.store.headPosition()) <= position) return;
    const ours = this.leadership.backendPid === undefined ? [] : [this.leadership.backendPid];
    const ended = await endStalledLeader(this.options.db, `process:${this.name}`, { idleForMs: stalledAfterMs, ours });
    this.seen = undefined;
    if (ended.length > 0) {
      this.options.logger.warn(
        { process: this.name, position, leaderBackends: ended },
        `Process ${this.name}: its leader made no progress for ${stalledAfterMs / 1000} s with events waiting; ended its connection to take over`,
      );
    }
  }
}
