import type pg from 'pg';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import { fallbackLogger, type Logger } from '../../logging/logger.js';
import {
  ProjectionNotFoundError,
  ProjectionStateError,
  type ProjectionStatus,
  type ReadSideEngine,
  type ChangeSink,
  ReadModelUnavailableError,
} from '../contracts.js';
import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import type { ProjectionFailure } from '../failure.js';
import { assertAnnouncing, assertShows, ReadYourWrites, type Shown, stateOf, statusesOf } from '../shown.js';
import { ChangeTail } from './changeTail.js';
import { JointFeed } from './jointFeed.js';
import type { CommittedBatch } from './generationFeed.js';
import { endStalledLeader } from './leadership.js';
import { movedCheckpoints, type PostgresGenerationRow, readGenerations, recordFailure } from './postgresGenerations.js';
import type { AnyReadModel } from '../readModel.js';
import type { Queryable } from './queryable.js';
import { ProjectionLeader } from './projectionLeader.js';
import { migrateReadModels, readModelChannel } from './readModelSchema.js';
import { withStorageErrors } from './readSidePool.js';
import { readRebuildRequest, requestRebuild, withdrawRebuildRequest } from './rebuildRequests.js';

export type PostgresEngineOptions = {
  connection: PostgresConnectionOptions;
  /** Each announcing projection's local feed, by projection name. */
  feeds?: Record<string, ChangeSink>;
  pollIntervalMs?: number;
  batchSize?: number;
  rebuildBatchSize?: number;
  /** How long a leader may make no progress, with events waiting, before a follower takes over. */
  stalledLeaderAfterMs?: number;
  logger?: Logger;
};

/** How long a mutation waits for the read models to show its events before SERVICE_UNAVAILABLE. */
const READ_YOUR_WRITES_TIMEOUT_MS = 10_000;
/** The NOTIFY payload that asks the leaders to read the bookkeeping again (a rebuild or retry asked for). */
const LOOK_AROUND = '0';
/** How long a rebuild request may wait for a leader to take it up before it is withdrawn. */
const REBUILD_TAKEN_UP_WITHIN_MS = 30_000;

type Slot = {
  definition: AnyReadModel;
  /** The writing of it, when this instance holds its lock. */
  leader: ProjectionLeader;
  /** The live generation as last read or committed. */
  live?: PostgresGenerationRow;
  /** A rebuild generation beside it, as last read. */
  rebuild?: PostgresGenerationRow;
  tail?: ChangeTail;
  /** Since when a follower has seen it stand still with events waiting. */
  stillSince?: { progress: number; at: number };
};

/**
 * The read side on PostgreSQL, shared by every server instance. Each projection is written by the
 * one instance holding its advisory lock (ProjectionLeader), which feeds the live generation from
 * the log and records its announced changes; every instance follows the checkpoints (woken by
 * NOTIFY, or its poll) for read-your-writes, and the changes (ChangeTail) for its subscribers. When
 * the leader goes, or stalls, the next instance to try takes the lock and continues from the
 * checkpoint: a batch and its checkpoint commit together, so nothing is skipped or applied twice.
 */
export class PostgresProjectionEngine implements ReadSideEngine {
  private readonly slots = new Map<string, Slot>();
  private readonly waiters = new ReadYourWrites(() => [...this.slots.values()].map((slot) => this.shown(slot)));
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger: Logger;
  private readonly channel: string;
  private readonly progressReads = new CoalescedRuns(
    () => this.readProgress(),
    () => !this.stopped,
  );
  /** Whether the last read of the leaders' progress succeeded: stall decisions need fresh figures. */
  private progressFresh = false;
  private readonly db: Queryable;
  /** Feeds the read models led here together, after appends and notifications. */
  private readonly joint: JointFeed;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    definitions: readonly AnyReadModel[],
    private readonly options: PostgresEngineOptions,
  ) {
    this.logger = options.logger ?? fallbackLogger();
    this.channel = readModelChannel(options.connection.schema);
    this.db = withStorageErrors(pool, 'The read models cannot be used right now');
    for (const definition of definitions) {
      const feed = options.feeds?.[definition.name];
      const tail = feed && new ChangeTail(this.db, definition.name, feed);
      const leader = new ProjectionLeader(definition, {
        connection: options.connection,
        store,
        channel: this.channel,
        logger: this.logger,
        batchSize: options.batchSize ?? 500,
        rebuildBatchSize: options.rebuildBatchSize ?? 2000,
        stopped: () => this.stopped,
        onLive: (row, batch) => this.showLive(row, batch),
      });
      this.slots.set(definition.name, { definition, tail, leader });
    }
    this.joint = new JointFeed(
      [...this.slots.values()].map((slot) => slot.leader),
      { store, channel: this.channel, batchSize: options.batchSize ?? 500, stopped: () => this.stopped },
    );
  }

  /**
   * Creates the bookkeeping tables, makes sure every read model has live tables (creating them where
   * this instance leads), and follows the leaders. Building and catching up go on in the background,
   * as on SQLite: a new read model or version is BUILDING meanwhile.
   */
  async start(): Promise<void> {
    await migrateReadModels(this.pool);
    // The tails first: what the leaders commit from now on reaches the feeds.
    await Promise.all([...this.slots.values()].map((slot) => slot.tail?.start()));
    await Promise.all([...this.slots.values()].map((slot) => slot.leader.prepare()));
    await this.refresh();
    for (const slot of this.slots.values()) void slot.leader.step();
    await this.untilEveryReadModelHasTables();
    // The poll: the fallback for a lost NOTIFY, and how a follower notices that a leader has gone.
    this.pollTimer = setInterval(() => this.tick(), this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  /**
   * Every read model has live tables once some leader has created them (this instance, or another
   * starting at the same moment): queries before that would find no tables.
   */
  private async untilEveryReadModelHasTables(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.slots.values()].some((slot) => !slot.live)) {
      if (Date.now() > deadline) {
        const missing = [...this.slots.values()].filter((slot) => !slot.live).map((slot) => slot.definition.name);
        throw new Error(
          `The read models ${missing.join(', ')} have no tables in PostgreSQL after ${timeoutMs / 1000} s, and no instance could create them`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Through step, not prepare: a step may be running on the leader's connection.
      for (const slot of this.slots.values()) if (!slot.live) void slot.leader.step();
      await this.refresh();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await this.joint.current;
    await Promise.all([...this.slots.values()].map((slot) => slot.leader.current));
    await this.progressReads.current;
    await Promise.all([...this.slots.values()].map((slot) => slot.tail?.current));
    await Promise.all([...this.slots.values()].map((slot) => slot.leader.leadership.release()));
    this.waiters.releaseAll();
  }

  /**
   * Look now, after an append (here, or on another instance: its NOTIFY): lead what this instance
   * leads. Followers learn of a leader's progress from its NOTIFY (`notified`) and the poll, not
   * from appends, which the leader has yet to apply. Taking over a lead is left to the poll
   * (`tick`), which keeps a busy follower from asking for every lock on every append.
   */
  poke(): void {
    if (this.stopped) return;
    void this.joint.run();
  }

  /**
   * A NOTIFY on the read models' channel: a leader committed a batch (payload its position), or
   * someone asked for a rebuild or retry ('0'), which the leaders look for. A batch of this
   * instance's own leaders is known here already.
   */
  notified(payload: string, fromBackend: number): void {
    if (this.stopped) return;
    if (payload === LOOK_AROUND) this.lookAgain();
    else if (![...this.slots.values()].some((slot) => slot.leader.leadership.backendPid === fromBackend) && !this.showMoved(payload)) {
      this.followLeaders();
    }
  }

  /**
   * Shows the positions a batch's NOTIFY names (committed before it was sent) without reading the
   * generations back; false when the payload names none, or a generation this instance does not know
   * (a swap it has not read yet), so the caller reads them.
   */
  private showMoved(payload: string): boolean {
    const moves = movedCheckpoints(payload);
    if (!moves || moves.some(({ name, generation }) => this.slots.get(name)?.live?.generation !== generation)) return false;
    for (const { name, to } of moves) {
      const slot = this.slots.get(name)!;
      if (to > slot.live!.position) slot.live = { ...slot.live!, position: to };
    }
    this.waiters.settle();
    for (const { name } of moves) {
      const { live, tail } = this.slots.get(name)!;
      if (tail && live!.position > tail.position) void tail.follow(live!.position).catch((error: unknown) => this.tailFailed(name, error));
    }
    return true;
  }

  /** Everything read again, as after a rebuild request or a reconnect that may have missed notifications. */
  lookAgain(): void {
    if (this.stopped) return;
    for (const slot of this.slots.values()) slot.leader.lookAround();
    this.poke();
    this.followLeaders();
  }

  /** Reads the progress of the read models another instance leads; those led here show theirs as they commit. */
  private followLeaders(): void {
    if ([...this.slots.values()].some((slot) => !slot.leader.leadership.leads)) void this.refresh();
  }

  /** The poll: try to lead every read model nobody leads, and read the leaders' progress. */
  private tick(): void {
    if (this.stopped) return;
    for (const slot of this.slots.values()) {
      slot.leader.lookAround();
      void slot.leader.step();
    }
    void this.refresh().then(() => (this.progressFresh ? this.watchLeaders() : undefined));
  }

  /**
   * A leader that holds its lock but makes no progress (a frozen process, a partition TCP has not
   * noticed) would hold every read model back: when a read model this instance follows has stood
   * still for `stalledLeaderAfterMs` with events waiting, end its leader's connection, which frees
   * the lock (and fences the old leader: it cannot commit on a closed connection), and take over.
   */
  private async watchLeaders(): Promise<void> {
    const stalledAfterMs = this.options.stalledLeaderAfterMs ?? 5000;
    try {
      const head = await this.store.headPosition();
      for (const slot of this.slots.values()) {
        const live = slot.live;
        if (slot.leader.leadership.leads || slot.leader.supersededBy !== undefined || !live || live.failure || live.position >= head) {
          slot.stillSince = undefined;
          continue;
        }
        // A rebuild moving is progress too.
        const progress = live.position + (slot.rebuild?.position ?? 0);
        if (slot.stillSince?.progress !== progress) {
          slot.stillSince = { progress, at: Date.now() };
          continue;
        }
        if (Date.now() - slot.stillSince.at < stalledAfterMs) continue;
        const name = slot.definition.name;
        const ours = [...this.slots.values()].map((other) => other.leader.leadership.backendPid).filter((pid) => pid !== undefined);
        const ended = await endStalledLeader(this.db, name, { idleForMs: stalledAfterMs, ours });
        slot.stillSince = undefined;
        if (ended.length === 0) continue;
        this.logger.warn(
          { projection: name, position: live.position, headPosition: head, leaderBackends: ended },
          `Projection ${name}: its leader made no progress for ${stalledAfterMs / 1000} s with events waiting; ended its connection to take over`,
        );
        void slot.leader.step();
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Read models: watching the leaders failed; trying again on the next poll');
    }
  }

  /** Gives up after a timeout: then no instance can write the read models (PostgreSQL is unreachable, or every leader is gone). */
  waitFor(position: number, include: readonly string[] = []): Promise<void> {
    const served = this.waiters.wait(position, include, {
      ms: READ_YOUR_WRITES_TIMEOUT_MS,
      error: () =>
        new ReadModelUnavailableError(
          `The change was stored, but the read models have not shown it within ${READ_YOUR_WRITES_TIMEOUT_MS / 1000} s. Read it again ` +
            'later, or send the command again with the same commandId (it is not applied twice)',
          { position },
        ),
    });
    this.poke();
    return served;
  }

  /** Batches this instance committed for several read models at once, the read models fed in them, their round trips. */
  get jointBatches(): { batches: number; readModels: number; roundTrips: number } {
    return this.joint.counts;
  }

  livePosition(name: string): number {
    const slot = this.slot(name);
    assertAnnouncing(this.shown(slot));
    return slot.tail ? slot.tail.position : slot.live!.position;
  }

  assertCurrent(name: string, position: number): void {
    assertShows(this.shown(this.slot(name)), position);
  }

  async status(): Promise<ProjectionStatus[]> {
    await this.refresh();
    return statusesOf(
      this.store,
      [...this.slots.values()].map((slot) => this.shown(slot)),
    );
  }

  /** Clears the failure, so the leader (whichever instance) tries the failed event again. */
  async retry(name: string): Promise<void> {
    const slot = this.slot(name);
    await this.refresh();
    const live = slot.live;
    if (!live?.failure) throw new ProjectionStateError(`Projection ${name} has not failed`, { state: stateOf(this.shown(slot)) });
    await recordFailure(this.db, name, live.generation, null);
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, LOOK_AROUND]);
    slot.live = { ...live, failure: null };
    slot.leader.lookAround();
    await slot.leader.step();
    await this.refresh();
  }

  /**
   * Asks the leader to rebuild `name` from position 0 into fresh tables beside the live ones and
   * swap them in when caught up; resolves when the new tables are live. Reports progress as the
   * SQLite engine does.
   */
  async rebuild(name: string, onProgress?: (position: number, headPosition: number) => void): Promise<void> {
    const slot = this.slot(name);
    await this.refresh();
    this.throwIfFailed(slot);
    const before = slot.live?.generation ?? 0;
    if (!(await requestRebuild(this.db, name))) {
      throw new ProjectionStateError(`Projection ${name} is being rebuilt already`, { state: stateOf(this.shown(slot)) });
    }
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, LOOK_AROUND]);
    const takenUpBy = Date.now() + REBUILD_TAKEN_UP_WITHIN_MS;
    for (;;) {
      slot.leader.lookAround();
      this.poke();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const request = await readRebuildRequest(this.db, name);
      await this.refresh();
      // The swap deletes the request in the transaction that makes the new generation live.
      if ((slot.live?.generation ?? 0) > before) return;
      if (request?.failure) {
        await withdrawRebuildRequest(this.db, name);
        throw failedAt(name, request.failure);
      }
      if (!request) throw new ProjectionStateError(`Projection ${name}: the rebuild was withdrawn before it finished`, {});
      if (request.generation === null && Date.now() > takenUpBy) {
        await withdrawRebuildRequest(this.db, name);
        throw new ReadModelUnavailableError(`No instance took up the rebuild of ${name}: none can write it now; try again later`, {
          projection: name,
        });
      }
      this.throwIfFailed(slot);
      if (this.stopped) throw new ProjectionStateError(`Projection ${name}: the server is stopping`, {});
      if (onProgress && slot.rebuild) onProgress(slot.rebuild.position, await this.store.headPosition());
    }
  }

  /** A rebuild of a failed read model would stop at the same event: retry it first. */
  private throwIfFailed(slot: Slot): void {
    const failure = slot.live?.failure;
    if (failure) throw failedAt(slot.definition.name, failure, '; retry it first');
  }

  /**
   * Reads every projection's generation rows (the leaders' progress), then serves the waiters and the
   * feeds. Concurrent calls share one run, plus one more pass: a call during a read may come from a
   * commit that read did not see.
   */
  private refresh(): Promise<void> {
    return this.progressReads.run();
  }

  private async readProgress(): Promise<void> {
    this.progressFresh = false;
    try {
      const rows = await readGenerations(this.db);
      for (const slot of this.slots.values()) {
        const own = rows.filter((row) => row.name === slot.definition.name);
        slot.live = latest(
          slot.live,
          own.find((row) => row.live),
        );
        slot.rebuild = latest(
          slot.rebuild,
          own.find((row) => !row.live),
        );
      }
      this.progressFresh = true;
      this.waiters.settle();
      await Promise.all(
        [...this.slots.values()].map((slot) =>
          slot.live && slot.tail && slot.live.position > slot.tail.position ? slot.tail.follow(slot.live.position) : undefined,
        ),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'Read models: reading the leaders\u2019 progress failed; trying again shortly');
    }
  }

  /** What this instance's leader has just committed to the live generation: for waiters and the feed. */
  private showLive(row: PostgresGenerationRow, batch?: CommittedBatch): void {
    const slot = this.slot(row.name);
    slot.live = row;
    slot.rebuild = slot.leader.rebuild;
    this.waiters.settle();
    // The batch this instance has just committed is the feed's next: no need to read it back.
    if (batch && slot.tail?.publishCommitted(batch.from, row.position, batch.changes)) return;
    if (!slot.tail || slot.tail.position >= row.position) return;
    slot.tail.follow(row.position).catch((error: unknown) => this.tailFailed(row.name, error));
  }

  private tailFailed(name: string, error: unknown): void {
    this.logger.warn(
      { err: error, projection: name },
      `Projection ${name}: reading its announced changes failed; trying again on the next poll`,
    );
  }

  private shown({ definition, live, rebuild, leader }: Slot): Shown {
    const runsHere = leader.leadership.leads;
    return { name: definition.name, version: definition.version, live, rebuildPosition: rebuild?.position ?? null, runsHere };
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new ProjectionNotFoundError(name);
    return slot;
  }
}

/**
 * The newer of what this instance knew and what it has just read: a read that started before this
 * instance's own last commit must not move a checkpoint back (read-your-writes checks it right after).
 */
function latest(known: PostgresGenerationRow | undefined, read: PostgresGenerationRow | undefined): PostgresGenerationRow | undefined {
  if (known && read && known.generation === read.generation && known.position > read.position) return { ...read, position: known.position };
  return read;
}

/** A rebuild refused or stopped: `name` failed at an event. */
function failedAt(name: string, { position, eventId, eventType, message }: ProjectionFailure, hint = ''): ProjectionStateError {
  return new ProjectionStateError(`Projection ${name} failed at event ${position} (${eventType}): ${message}${hint}`, {
    position,
    eventId,
  });
}
