import type Database from 'better-sqlite3';
import { startBatchSpan } from '../../observability/tracing.js';
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
import type { WriterThread } from './writerThread.js';

export type RunnerOptions<Change> = {
  /** Events read and applied per transaction. */
  batchSize?: number;
  /** Announce changes (the live generation) or not (a rebuild). */
  announce: boolean;
  /** The generation was created empty for this runner, which feeds it from position 0. */
  freshGeneration?: boolean;
  /**
   * Where a fresh generation that announces nothing (a build, a rebuild) commits its batches, beside
   * the reading, once it has a long way to go (THREAD_AFTER_FULL_BATCHES).
   */
  thread?: () => WriterThread | undefined;
  /** Called after each committed batch with its last position and its changes. */
  onCommitted?: (position: number, changes: Change[]) => void;
  /** Where a stop at an event is logged; a fallback logger on stderr when absent. */
  logger?: Logger;
};

/** A build or rebuild goes to the writer thread once it has read this many full batches in a row. */
const THREAD_AFTER_FULL_BATCHES = 3;

/**
 * Feeds one generation of one projection from the log in position order. Each batch of events and
 * the new checkpoint commit in one transaction, so a crash never leaves the tables ahead of or
 * behind the checkpoint, and a restart resumes where the last commit ended. An event that throws
 * stops this runner just before it (the failure is kept) until `retry`.
 */
export class ProjectionRunner<Change> {
  private checkpoint: number;
  /** How far batches have been read and worked out: past the checkpoint while the writer thread writes them. */
  private planned: number;
  /** Batches sent to the writer thread and not yet committed, oldest first. */
  private inFlight: Promise<void>[] = [];
  /** Set when a batch could not go through the thread: from then on batches commit here. */
  private threadFailed = false;
  /** Full batches read in a row: a long catch-up, worth the thread. */
  private fullBatches = 0;
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
    this.checkpoint = this.planned = startPosition;
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
    try {
      do {
        this.again = false;
        while (!this.paused && !this.failed && this.planned < until) {
          const limit = Math.min(this.batchSize, until - this.planned);
          const from = this.planned;
          const events = await this.readBatch(limit);
          if (events.length === 0 || this.paused) break;
          this.fullBatches = events.length === this.batchSize ? this.fullBatches + 1 : 0;
          const thread = this.usesThread() ? this.options.thread!() : undefined;
          const span = startBatchSpan(`read model ${this.name}`, events);
          try {
            if (thread) await this.sendToThread(thread, events);
            else {
              // Batches still with the thread commit first; if one failed, these events are read again.
              await this.drain();
              if (this.planned === from) this.applyAll(events);
            }
          } finally {
            span?.end();
          }
          // SQLite work is synchronous: let requests and other runners in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } while (this.again && !this.paused && !this.failed);
    } finally {
      await this.drain();
    }
  }

  private usesThread(): boolean {
    const { thread, freshGeneration, announce } = this.options;
    return Boolean(thread && freshGeneration && !announce && !this.threadFailed && this.fullBatches >= THREAD_AFTER_FULL_BATCHES);
  }

  /**
   * Works the batch out here and has the thread commit it, keeping at most two batches in flight (their rows are copies: memory).
   * A batch that needs rows read back waits for those in flight and commits here; so does one that
   * throws (to find the event at fault). A batch the thread could not commit sends the runner back
   * to its checkpoint, to go on without the thread.
   */
  private async sendToThread(thread: WriterThread, events: StoredEvent[]): Promise<void> {
    this.writer.trusted = true;
    let prepared: ReturnType<SqliteReadModelWriter<Change>['prepare']>;
    try {
      prepared = this.writer.prepare(events, false);
    } catch {
      prepared = undefined;
    }
    if (!prepared) {
      await this.drain();
      if (this.planned === this.checkpoint && !this.threadFailed) this.applyAll(events);
      this.planned = this.checkpoint;
      return;
    }
    const to = events.at(-1)!.position;
    const job = { name: this.definition.name, generation: this.generation, from: this.planned, to, statements: prepared.statements };
    this.planned = to;
    const written = thread.write(job).then((committed) => {
      if (!committed) throw new Error(`Projection ${this.name}: its checkpoint moved while the writer thread wrote`);
      this.checkpoint = to;
      this.options.onCommitted?.(to, []);
    });
    // Handled by drain; never an unhandled rejection meanwhile.
    written.catch(() => {});
    this.inFlight.push(written);
    if (this.inFlight.length >= 2) await this.settleOldest();
  }

  /** Waits for every batch in flight; after one failed, goes back to the checkpoint without the thread. */
  private async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  private async settleOldest(): Promise<void> {
    try {
      await this.inFlight.shift();
    } catch (error) {
      this.logger.warn({ err: error, projection: this.name }, `Projection ${this.name}: the writer thread failed; going on without it`);
      this.threadFailed = true;
      this.writer.forget();
      this.planned = this.checkpoint;
    }
  }

  /**
   * The next events, up to `limit`. When one of them cannot be read, the runner applies those
   * before it one by one and stops at it, as it does at an event a projection fails on.
   */
  private async readBatch(limit: number): Promise<StoredEvent[]> {
    try {
      return await this.store.readAll({ afterPosition: this.planned, limit });
    } catch (error) {
      if (!(error instanceof UnreadableEventError)) throw error;
      await this.drain();
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
    this.checkpoint = this.planned = events.at(-1)!.position;
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
