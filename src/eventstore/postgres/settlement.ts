import type pg from 'pg';
import { SQL } from './statements.js';

/** The oldest transaction still running: every older one is settled (see SETTLED in statements.ts). */
const OLDEST_RUNNING = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin';

type Waiting = { position: number; transactionId: bigint; deadline: number; resolve: () => void };

/**
 * Answers an append once readers can take its events, as on SQLite, and then wakes the log's
 * watchers (every instance's, this one's too). An append's transaction is settled once every
 * transaction older than it has ended; until then a reader would not see its events. One query asks
 * for all the appends waiting at a moment, and one NOTIFY tells of them, sent after their COMMIT:
 * inside the append's transaction it would make commits take turns (PostgreSQL commits transactions
 * that NOTIFY one at a time). A wake-up is a hint (readers also poll), so a failed NOTIFY is dropped.
 */
export class Settlement {
  private waiting: Waiting[] = [];
  private running = false;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    private readonly options: {
      /** The wait before asking again while an older transaction runs. Default 1. */
      retryMs?: number;
      /**
       * The longest an append waits (default 5000): a transaction left open elsewhere in the database
       * must not hold appends back. Its events are committed; readers take them once it ends.
       */
      maxWaitMs?: number;
    } = {},
  ) {}

  /** Resolves once the transaction that appended up to `position` is settled (or after maxWaitMs). */
  settled(position: number, transactionId: string): Promise<void> {
    return new Promise((resolve) => {
      const deadline = Date.now() + (this.options.maxWaitMs ?? 5000);
      this.waiting.push({ position, transactionId: BigInt(transactionId), deadline, resolve });
      if (!this.running) void this.run();
    });
  }

  close(): void {
    this.closed = true;
    this.release(this.waiting);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0 && !this.closed) {
        const oldestRunning = await this.oldestRunning();
        const now = Date.now();
        const done: Waiting[] = [];
        const still: Waiting[] = [];
        for (const waiting of this.waiting) {
          const settled = oldestRunning === undefined || waiting.transactionId < oldestRunning || now >= waiting.deadline;
          (settled ? done : still).push(waiting);
        }
        this.waiting = still;
        if (done.length > 0) {
          const newest = Math.max(...done.map((waiting) => waiting.position));
          this.pool.query(SQL.notify, [this.channel, String(newest)]).catch(() => {});
          this.release(done);
        }
        if (still.length > 0) await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1));
      }
    } finally {
      this.running = false;
    }
  }

  /** The oldest running transaction's id; undefined when the database cannot say, which ends every wait (the events are committed). */
  private async oldestRunning(): Promise<bigint | undefined> {
    try {
      const { rows } = await this.pool.query<{ xmin: string }>(OLDEST_RUNNING);
      return BigInt(rows[0]!.xmin);
    } catch {
      return undefined;
    }
  }

  private release(done: readonly Waiting[]): void {
    for (const waiting of done) waiting.resolve();
  }
}
