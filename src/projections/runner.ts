import type Database from 'better-sqlite3';
import type { EventStore, StoredEvent } from '../eventstore/eventStore.js';
import { prepareCheckpoints } from './checkpoints.js';
import type { Projection } from './projection.js';

export type ProjectionRunnerOptions = {
  /** Events read and applied per transaction. */
  batchSize?: number;
  /** How often to look for events appended by other processes on the same file. */
  pollIntervalMs?: number;
};

/**
 * Feeds one projection from the log in position order. Each batch of events and the new
 * checkpoint commit in one transaction, so a crash never leaves the read model ahead of or behind
 * its checkpoint, and a restart resumes where the last commit ended.
 */
export class ProjectionRunner<Change> {
  private checkpoint = 0;
  private catchingUp: Promise<void> | undefined;
  private pendingCatchUp = false;
  private waiters: { position: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private readonly applyBatch: (events: StoredEvent[]) => Change[];
  private readonly batchSize: number;

  constructor(
    db: Database.Database,
    private readonly store: EventStore,
    private readonly projection: Projection<Change>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    const checkpoints = prepareCheckpoints(db);
    this.checkpoint = checkpoints.read(projection.name);
    this.applyBatch = db.transaction((events: StoredEvent[]) => {
      const changes: Change[] = [];
      for (const event of events) {
        const change = projection.apply(event);
        if (change !== undefined) changes.push(change);
      }
      checkpoints.write(projection.name, events.at(-1)!.position);
      return changes;
    });
  }

  get name(): string {
    return this.projection.name;
  }

  /** The position of the last event applied. */
  get position(): number {
    return this.checkpoint;
  }

  /** Catches up with the log, then keeps polling for events other processes append. */
  async start(): Promise<void> {
    await this.catchUp();
    const interval = this.options.pollIntervalMs ?? 1000;
    this.pollTimer = setInterval(() => void this.catchUp().catch(() => undefined), interval);
    this.pollTimer.unref();
  }

  stop(): void {
    clearInterval(this.pollTimer);
    const stopped = new Error(`Projection ${this.name} stopped`);
    for (const waiter of this.waiters.splice(0)) waiter.reject(stopped);
  }

  /** Resolves once every event up to `position` is applied (read-your-writes). */
  waitFor(position: number): Promise<void> {
    if (this.checkpoint >= position) return Promise.resolve();
    const reached = new Promise<void>((resolve, reject) => this.waiters.push({ position, resolve, reject }));
    void this.catchUp().catch(() => undefined);
    return reached;
  }

  /**
   * Applies everything the log holds past the checkpoint. Concurrent calls share one run, plus one
   * more pass if events arrived during it.
   */
  catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.pendingCatchUp = true;
      return this.catchingUp;
    }
    this.catchingUp = this.runCatchUp().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  private async runCatchUp(): Promise<void> {
    do {
      this.pendingCatchUp = false;
      for (;;) {
        const events = await this.store.readAll({ afterPosition: this.checkpoint, limit: this.batchSize });
        if (events.length === 0) break;
        const changes = this.applyOrFail(events);
        this.checkpoint = events.at(-1)!.position;
        this.projection.onCommitted?.(changes);
        this.resolveWaiters();
      }
    } while (this.pendingCatchUp);
  }

  private applyOrFail(events: StoredEvent[]): Change[] {
    try {
      const changes = this.applyBatch(events);
      this.failure = undefined;
      return changes;
    } catch (error) {
      this.failure = error;
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      throw error;
    }
  }

  /** The last error that stopped a batch, until a later batch succeeds. */
  get lastError(): unknown {
    return this.failure;
  }

  private resolveWaiters(): void {
    const reached = this.waiters.filter((waiter) => waiter.position <= this.checkpoint);
    this.waiters = this.waiters.filter((waiter) => waiter.position > this.checkpoint);
    for (const waiter of reached) waiter.resolve();
  }
}
