import type Database from 'better-sqlite3';
import { StorageUnavailableError } from '../../eventstore/errors.js';
import type { EventStore, StoredEvent } from '../../eventstore/eventStore.js';
import { toStorageError } from '../../eventstore/sqlite/storageErrors.js';
import { withoutFsync } from '../../eventstore/sqlite/withoutFsync.js';
import { UnreadableEventError } from '../../eventstore/upcasting/unreadableEventError.js';
import { fallbackLogger, type Logger } from '../../logging/logger.js';
import { failureAt, type ProjectionFailure } from '../failure.js';
import type { AnyReadModel } from '../readModel.js';
import { type Generations, tableNames } from './generations.js';
import { SqliteReadModelWriter } from './sqliteWriter.js';

export type RunnerOptions<Change> = {
  /** Events read and applied per transaction. */
  batchSize?: number;
  /** Announce changes (the live generation) or not (a rebuild). */
  announce: boolean;
  /** The generation was created empty for this runner, which feeds it from position 0. */
  freshGeneration?: boolean;
  /** Called after each committed batch with its last position and its changes. */
  onCommitted?: (position: number, changes: Change[]) => void;
  /** Where a stop at an event is logged; a fallback logger on stderr when absent. */
  logger?: Logger;
};

/**
 * Feeds one generation of one projection from the log in position order. Each batch of events and
 * the new checkpoint commit in one transaction, so a crash never leaves the tables ahead of or
 * behind the checkpoint, and a restart resumes where the last commit ended. An event that throws
 * stops this runner just before it (the failure is kept) until `retry`.
 */
export class ProjectionRunner<Change> {
  private checkpoint: number;
  private running: Promise<void> | undefined;
  private again = false;
  private paused = false;
  private failed: ProjectionFailure | undefined;
  private readonly writer: SqliteReadModelWriter<Change>;
  private readonly applyBatch: (events: StoredEvent[]) => Change[];
  private readonly batchSize: number;

  constructor(
    db: Database.Database,
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly definition: AnyReadModel,
    readonly generation: number,
    generations: Generations,
    startPosition: number,
    private readonly options: RunnerOptions<Change>,
  ) {
    this.checkpoint = startPosition;
    this.batchSize = options.batchSize ?? 500;
    this.writer = new SqliteReadModelWriter<Change>(db, definition, tableNames(definition, generation), {
      announce: options.announce,
      freshGeneration: options.freshGeneration ?? false,
      remember: 2 * this.batchSize,
    });
    const transaction = db.transaction((events: StoredEvent[]) => {
      // Another process on the same file moved the checkpoint: the rows the writer keeps may be stale.
      if (generations.position(definition.name, generation) === this.checkpoint) this.writer.trusted = true;
      else this.writer.forget();
      const changes = this.writer.apply(events);
      generations.checkpoint(definition.name, generation, events.at(-1)!.position);
      return changes;
    });
    // IMMEDIATE takes the write lock up front, so another process's writer makes us wait, not fail.
    // Read tables are derived from the log: their commit need not wait for an fsync.
    this.applyBatch = (events) => {
      try {
        return withoutFsync(db, () => transaction.immediate(events));
      } catch (error) {
        // Rolled back: what the writer kept of this batch was never stored.
        this.writer.forget();
        throw error;
      }
    };
  }

  get name(): string {
    return this.definition.name;
  }

  private get logger(): Logger {
    return this.options.logger ?? fallbackLogger();
  }

  /** The position of the last event applied. */
  get position(): number {
    return this.checkpoint;
  }

  get failure(): ProjectionFailure | undefined {
    return this.failed;
  }

  /**
   * Applies what the log holds past the checkpoint, up to `until`. Concurrent calls share one run,
   * plus one more pass when events arrived during it. Does nothing while paused or failed.
   */
  catchUp(until = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run(until).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops applying at the next batch boundary; resolves once no batch is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.running;
  }

  resume(): void {
    this.paused = false;
  }

  /** Forgets the failure and tries the failed event again. */
  retry(): Promise<void> {
    this.failed = undefined;
    return this.catchUp();
  }

  private async run(until: number): Promise<void> {
    do {
      this.again = false;
      while (!this.paused && !this.failed && this.checkpoint < until) {
        const limit = Math.min(this.batchSize, until - this.checkpoint);
        const events = await this.readBatch(limit);
        if (events.length === 0 || this.paused) break;
        this.applyAll(events);
        // SQLite work is synchronous: let requests and other runners in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } while (this.again && !this.paused && !this.failed);
  }

  /**
   * The next events, up to `limit`. When one of them cannot be read, the runner applies those
   * before it one by one and stops at it, as it does at an event a projection fails on.
   */
  private async readBatch(limit: number): Promise<StoredEvent[]> {
    try {
      return await this.store.readAll({ afterPosition: this.checkpoint, limit });
    } catch (error) {
      if (!(error instanceof UnreadableEventError)) throw error;
      while (!this.failed && this.checkpoint < error.position) {
        try {
          this.applyAll(await this.store.readAll({ afterPosition: this.checkpoint, limit: 1 }));
        } catch (unreadable) {
          if (!(unreadable instanceof UnreadableEventError)) throw unreadable;
          this.stop(unreadable, unreadable);
        }
      }
      return [];
    }
  }

  private stop(event: { position: number; eventId: string; eventType: string }, error: unknown): void {
    this.failed = failureAt(this.logger, `Projection ${this.name}`, event, error);
  }

  private applyAll(events: StoredEvent[]): void {
    try {
      this.commit(events);
    } catch (batchError) {
      throwIfStorageFault(batchError);
      // Find the event that fails: apply one at a time, so everything before it is kept.
      for (const event of events) {
        try {
          this.commit([event]);
        } catch (error) {
          throwIfStorageFault(error);
          this.stop({ ...event, eventType: event.type }, error);
          return;
        }
      }
    }
  }

  private commit(events: StoredEvent[]): void {
    const changes = this.applyBatch(events);
    this.checkpoint = events.at(-1)!.position;
    try {
      this.options.onCommitted?.(this.checkpoint, changes);
    } catch (error) {
      this.logger.error({ err: error, projection: this.name }, `Projection ${this.name}: announcing changes failed`);
    }
  }
}

/** A storage fault (busy, read-only, full) is no bug of the projection: leave it to the next try. */
function throwIfStorageFault(error: unknown): void {
  const mapped = toStorageError(error, 'the read models cannot be updated right now');
  if (mapped instanceof StorageUnavailableError) throw mapped;
}
