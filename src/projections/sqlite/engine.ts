import type Database from 'better-sqlite3';
import type { EventStore } from '../../eventstore/eventStore.js';
import { fallbackLogger, type Logger } from '../../logging/logger.js';
import {
  type ChangeSink,
  ProjectionNotFoundError,
  ProjectionStateError,
  type ProjectionStatus,
  type ReadSideEngine,
  ReadModelUnavailableError,
} from '../contracts.js';
import { sharedPages } from '../sharedPages.js';
import { assertAnnouncing, assertShows, ReadYourWrites, type Shown, stateOf, statusesOf } from '../shown.js';
import type { AnyReadModel } from '../readModel.js';
import { Generations } from './generations.js';
import { ProjectionRunner } from './runner.js';
import { WriterThread } from './writerThread.js';

type Slot = {
  definition: AnyReadModel;
  live: ProjectionRunner<any>;
  /** The live generation is a first build (new projection or new version) still catching up. */
  building: boolean;
  rebuild?: ProjectionRunner<any>;
};

export type EngineOptions = {
  /** How often to look for events appended by other processes on the same file. */
  pollIntervalMs?: number;
  batchSize?: number;
  rebuildBatchSize?: number;
  /** Where failures are logged; a fallback logger on stderr when absent. */
  logger?: Logger;
  /** Where each announcing read model's changes go after each committed batch, by read-model name. */
  feeds?: Record<string, ChangeSink>;
};

/**
 * Runs every projection, each with its own tables, checkpoint and failure: one projection that
 * throws stops alone. New projections and new versions build from position 0 in the background;
 * `rebuild` fills fresh tables beside the live ones and swaps them in when caught up.
 */
export class ProjectionEngine implements ReadSideEngine {
  private readonly slots = new Map<string, Slot>();
  private readonly generations: Generations;
  /** The log as the runners read it: read models at the same place read each page once. */
  private readonly pages: Pick<EventStore, 'readAll'>;
  /** Commits the batches of builds and rebuilds beside the reading; made on the first build. */
  private thread: WriterThread | undefined;
  private readonly waiters = new ReadYourWrites(() => [...this.slots.values()].map((slot) => this.shown(slot)));
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger: Logger;

  constructor(
    private readonly db: Database.Database,
    private readonly store: EventStore,
    private readonly definitions: readonly AnyReadModel[],
    private readonly options: EngineOptions = {},
  ) {
    this.generations = new Generations(db);
    this.pages = sharedPages(store);
    this.logger = options.logger ?? fallbackLogger();
  }

  /** Catches up the projections that were live; new or changed ones build in the background. */
  async start(): Promise<void> {
    for (const definition of this.definitions) this.slots.set(definition.name, this.openSlot(definition));
    await Promise.all([...this.slots.values()].map((slot) => (slot.building ? void this.build(slot) : slot.live.catchUp())));
    this.pollTimer = setInterval(() => this.poke(), this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  /** Stops at a checkpoint: waits for batches in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await Promise.all([...this.slots.values()].flatMap((slot) => [slot.live.pause(), slot.rebuild?.pause()]));
    this.waiters.releaseAll();
    await this.thread?.close();
  }

  /** Looks for new events now (after an append in this process, or on the poll timer). */
  poke(): void {
    for (const slot of this.slots.values()) {
      slot.live.catchUp().then(
        // A runner that just failed no longer holds back read-your-writes.
        () => this.waiters.settle(),
        (error: unknown) => {
          this.logger.error({ err: error, projection: slot.definition.name }, `Projection ${slot.definition.name}: catching up failed`);
          // A storage fault: the next poll tries again, but no mutation waits for it meanwhile.
          this.rejectWaitersFor(slot, error);
        },
      );
    }
  }

  /**
   * Resolves once every live projection, and each one named in `include` unless it failed, has
   * applied the log up to `position` (read-your-writes). Projections still building are not waited
   * for unless named: a first build of a long log would hold every mutation. Rejects with
   * ReadModelUnavailableError (SERVICE_UNAVAILABLE) when one it waits for cannot catch up (a storage
   * fault: full, read-only, locked), rather than wait for the storage to recover.
   */
  waitFor(position: number, include: readonly string[] = []): Promise<void> {
    const served = this.waiters.wait(position, include);
    this.poke();
    return served;
  }

  /**
   * The position `name`'s live tables show now. Read in the same synchronous step as attaching to its
   * change feed, it is the seam: every change announced afterwards is of a later position.
   * SERVICE_UNAVAILABLE while the projection is first being built.
   */
  livePosition(name: string): number {
    const slot = this.slot(name);
    assertAnnouncing(this.shown(slot));
    return slot.live.position;
  }

  assertCurrent(name: string, position: number): void {
    assertShows(this.shown(this.slot(name)), position);
  }

  status(): Promise<ProjectionStatus[]> {
    return statusesOf(
      this.store,
      [...this.slots.values()].map((slot) => this.shown(slot)),
    );
  }

  /** Resumes a failed projection from the event that failed (after the code is fixed). */
  async retry(name: string): Promise<void> {
    const slot = this.slot(name);
    if (!slot.live.failure) throw new ProjectionStateError(`Projection ${name} has not failed`, { state: stateOf(this.shown(slot)) });
    await slot.live.retry();
    // A first build that failed continues as a build until it has caught up.
    if (slot.building) await this.build(slot);
    this.waiters.settle();
  }

  /**
   * Rebuilds `name` from position 0 into fresh tables while queries keep reading the live ones,
   * then swaps them in atomically at the live position, so subscribers see no gap or duplicate.
   */
  async rebuild(name: string, onProgress?: (position: number, headPosition: number) => void): Promise<void> {
    const slot = this.slot(name);
    if (slot.rebuild) throw new ProjectionStateError(`Projection ${name} is being rebuilt already`, { state: stateOf(this.shown(slot)) });
    const definition = slot.definition;
    const generation = this.generations.create(definition);
    let headPosition = 0;
    const next = this.runner(definition, generation, 0, {
      announce: false,
      freshGeneration: true,
      thread: () => this.writerThread(),
      batchSize: this.options.rebuildBatchSize ?? 2000,
      onCommitted: (position) => onProgress?.(position, Math.max(headPosition, position)),
    });
    slot.rebuild = next;
    try {
      // 1. Catch up beside the live tables, which keep serving, to about one batch from the head.
      await this.catchUpToHead(next, this.options.rebuildBatchSize ?? 2000, (head) => (headPosition = head));
      this.throwIfFailed(next);
      this.generations.buildIndexes(definition, generation);
      // 2. Hold the live runner at a batch boundary with both at the same position: the live one
      // first announces whatever the new tables already hold, then the new tables catch up with it.
      await slot.live.pause();
      while (slot.live.position < next.position && !slot.live.failure) {
        slot.live.resume();
        await slot.live.catchUp(next.position);
        await slot.live.pause();
      }
      this.throwIfFailed(slot.live);
      await next.catchUp(slot.live.position);
      this.throwIfFailed(next);
      // 3. Swap: views to the new tables, then continue live (announcing) from the same position.
      this.generations.makeLive(definition, generation);
      const old = slot.live;
      slot.live = this.liveRunner(definition, generation, next.position);
      slot.building = false;
      this.generations.drop(definition, old.generation);
    } catch (error) {
      slot.live.resume();
      this.generations.drop(definition, generation);
      throw error;
    } finally {
      slot.rebuild = undefined;
      this.closeThreadIfIdle();
      this.poke();
    }
  }

  private openSlot(definition: AnyReadModel): Slot {
    for (const stale of this.generations.stale(definition.name)) this.generations.drop(definition, stale);
    const current = this.generations.live(definition.name);
    if (current && current.version === definition.version) {
      // A first build interrupted by a stop continues live: its indexes come now.
      this.generations.buildIndexes(definition, current.generation);
      return { definition, live: this.liveRunner(definition, current.generation, current.position), building: false };
    }
    const generation = this.generations.create(definition);
    this.generations.makeLive(definition, generation);
    if (current) this.generations.drop(definition, current.generation);
    const builder = this.runner(definition, generation, 0, {
      announce: false,
      freshGeneration: true,
      thread: () => this.writerThread(),
      batchSize: this.options.rebuildBatchSize ?? 2000,
      onCommitted: () => this.waiters.settle(),
    });
    return { definition, live: builder, building: true };
  }

  /**
   * A first build: catch up in the background without announcing history to subscribers, then
   * continue from the same position as the announcing live runner.
   */
  private async build(slot: Slot): Promise<void> {
    try {
      await this.catchUpToHead(slot.live);
      if (slot.live.failure || this.stopped) return;
      await slot.live.pause();
      this.generations.buildIndexes(slot.definition, slot.live.generation);
      slot.live = this.liveRunner(slot.definition, slot.live.generation, slot.live.position);
      slot.building = false;
      this.closeThreadIfIdle();
    } catch (error) {
      this.logger.error({ err: error, projection: slot.definition.name }, `Projection ${slot.definition.name}: build interrupted`);
      return;
    } finally {
      this.waiters.settle();
    }
    this.poke();
  }

  /** Catches `runner` up until it is within `slack` events of the head, fails, or is held. */
  private async catchUpToHead(runner: ProjectionRunner<unknown>, slack = 0, onHead?: (head: number) => void): Promise<void> {
    for (;;) {
      const head = await this.store.headPosition();
      onHead?.(head);
      const before = runner.position;
      await runner.catchUp(head);
      // Done, failed, or held (paused by stop or a swap): no progress means stop looping.
      if (runner.failure || head - runner.position <= slack || runner.position === before) return;
    }
  }

  private liveRunner(definition: AnyReadModel, generation: number, position: number) {
    return this.runner(definition, generation, position, {
      announce: true,
      batchSize: this.options.batchSize,
      onCommitted: (_position, changes) => {
        if (changes.length > 0) this.options.feeds?.[definition.name]?.publish(changes);
        this.waiters.settle();
      },
    });
  }

  private runner(
    definition: AnyReadModel,
    generation: number,
    position: number,
    options: ConstructorParameters<typeof ProjectionRunner>[6],
  ): ProjectionRunner<any> {
    return new ProjectionRunner(this.db, this.pages, definition, generation, this.generations, position, {
      ...options,
      logger: this.logger,
    });
  }

  /** The writer thread, for a database in a file (another connection must be able to open it). */
  private writerThread(): WriterThread | undefined {
    if (!this.thread && this.db.name !== ':memory:' && this.db.name !== '' && !this.db.memory) this.thread = new WriterThread(this.db.name);
    return this.thread;
  }

  /**
   * Once no build or rebuild runs, the thread and its connection's cache go (the next build makes
   * another), and this connection lets go of the pages the build read through it: memory a caught-up
   * server no longer needs.
   */
  private closeThreadIfIdle(): void {
    if (!this.thread || [...this.slots.values()].some((slot) => slot.building || slot.rebuild)) return;
    void this.thread.close();
    this.thread = undefined;
    this.db.pragma('shrink_memory');
  }

  private shown(slot: Slot): Shown {
    const { name, version } = slot.definition;
    const { position, failure } = slot.live;
    return { name, version, live: { position, failure, building: slot.building }, rebuildPosition: slot.rebuild?.position ?? null };
  }

  private rejectWaitersFor(slot: Slot, error: unknown): void {
    const name = slot.definition.name;
    const cause = error instanceof Error ? error.message : String(error);
    this.waiters.rejectHeldBy(
      this.shown(slot),
      (position) =>
        new ReadModelUnavailableError(
          `The change was stored, but the ${name} read model cannot show it yet: ${cause}. Read it again later, or send ` +
            'the command again with the same commandId (it is not applied twice)',
          { projection: name, position },
        ),
    );
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new ProjectionNotFoundError(name);
    return slot;
  }

  private throwIfFailed(runner: ProjectionRunner<unknown>): void {
    const failure = runner.failure;
    if (failure) {
      throw new ProjectionStateError(
        `Projection ${runner.name} failed at event ${failure.position} (${failure.eventType}): ${failure.message}`,
        { position: failure.position, eventId: failure.eventId },
      );
    }
  }
}
