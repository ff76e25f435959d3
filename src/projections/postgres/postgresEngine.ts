import type pg from 'pg';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import { fallbackLogger, type Logger } from '../../logging/logger.js';
import type { ChangeFeed } from '../../subscriptions/changeFeed.js';
import {
  ProjectionNotFoundError,
  ProjectionStateError,
  type ProjectionState,
  type ProjectionStatus,
  readModelBehind,
  ReadModelUnavailableError,
} from '../engine.js';
import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import { lagBehind } from '../lag.js';
import { ChangeTail } from './changeTail.js';
import { feedGeneration } from './generationFeed.js';
import { endStalledLeader, Leadership } from './leadership.js';
import { inClientTransaction } from './clientTransaction.js';
import {
  createGeneration,
  dropGeneration,
  finishBuilding,
  LeadershipLostError,
  pointViewsAt,
  type PostgresGenerationRow,
  postgresTableNames,
  readGenerations,
  recordFailure,
} from './postgresGenerations.js';
import type { PostgresProjectionDefinition, PostgresProjectionWriter, Queryable } from './postgresProjection.js';
import { withStorageErrors } from './readSidePool.js';
import {
  failRebuildRequest,
  readRebuildRequest,
  requestRebuild,
  takeUpRebuildRequest,
  withdrawRebuildRequest,
} from './rebuildRequests.js';
import { migrateReadModels, PRUNE_EVERY_EVENTS, pruneChanges, readModelChannel } from './readModelSchema.js';

export type PostgresEngineOptions = {
  connection: PostgresConnectionOptions;
  /** Each announcing projection's local feed, by projection name. */
  feeds?: Record<string, ChangeFeed<any>>;
  pollIntervalMs?: number;
  batchSize?: number;
  rebuildBatchSize?: number;
  /** How long a mutation waits for the read models to show its events before SERVICE_UNAVAILABLE. */
  readYourWritesTimeoutMs?: number;
  /** How long a leader may make no progress, with events waiting, before a follower takes over. */
  stalledLeaderAfterMs?: number;
  /** How long a rebuild request may wait for a leader to take it up before it is withdrawn. */
  rebuildTakenUpWithinMs?: number;
  logger?: Logger;
};

type Slot = {
  definition: PostgresProjectionDefinition<any>;
  leadership: Leadership;
  /** The generation rows as last read or committed. */
  live?: PostgresGenerationRow;
  rebuild?: PostgresGenerationRow;
  tail?: ChangeTail<unknown>;
  writers: Map<string, PostgresProjectionWriter<unknown>>;
  /** Leading it: one run at a time. */
  leading: CoalescedRuns;
  /** The message of the last failure to lead it, so that a lasting one is logged once. */
  lastFailure?: string;
  /** The newer version live in the tables: this instance's code will not write them. */
  supersededBy?: number;
  /** The live position at the last pruning of its announced changes. */
  prunedAt?: number;
  /** Since when a follower has seen the live position stand still with events waiting. */
  stillSince?: { progress: number; at: number };
};

type Waiter = { position: number; include: readonly string[]; resolve: () => void; reject: (error: unknown) => void; timer: NodeJS.Timeout };

/**
 * The read side on PostgreSQL, shared by every server instance. Each projection is written by the
 * one instance holding its advisory lock (Leadership), which feeds the live generation from the log
 * and records its announced changes; every instance follows the checkpoints (woken by NOTIFY, or its
 * poll) for read-your-writes, and the changes (ChangeTail) for its subscribers. When the leader goes,
 * the next instance to try takes the lock and continues from the checkpoint: a batch and its
 * checkpoint commit together, so nothing is skipped or applied twice.
 */
export class PostgresProjectionEngine {
  private readonly slots = new Map<string, Slot>();
  private waiters: Waiter[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger: Logger;
  private readonly channel: string;
  private readonly progressReads = new CoalescedRuns(() => this.readProgress(), () => !this.stopped);
  /** Whether the last read of the leaders' progress succeeded: stall decisions need fresh figures. */
  private progressFresh = false;
  /** The pool, its storage faults answered as SERVICE_UNAVAILABLE. */
  private readonly db: Queryable;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    definitions: PostgresProjectionDefinition<any>[],
    private readonly options: PostgresEngineOptions,
  ) {
    this.logger = options.logger ?? fallbackLogger();
    this.channel = readModelChannel(options.connection.schema);
    this.db = withStorageErrors(pool, 'The read models cannot be used right now');
    for (const definition of definitions) {
      const leadership = new Leadership(options.connection, definition.name, (leads, error) => {
        const projection = definition.name;
        if (leads) this.logger.info({ projection }, `Projection ${projection}: this instance writes it now`);
        else if (error) this.logger.warn({ projection, err: error }, `Projection ${projection}: this instance no longer writes it`);
        else this.logger.info({ projection }, `Projection ${projection}: this instance has handed it over`);
      });
      const feed = options.feeds?.[definition.name];
      const tail = feed && new ChangeTail<unknown>(this.db, definition.name, feed);
      const slot: Slot = { definition, leadership, tail, writers: new Map(), leading: new CoalescedRuns(() => this.lead(slot), () => !this.stopped) };
      this.slots.set(definition.name, slot);
    }
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
    await Promise.all([...this.slots.values()].map((slot) => this.prepare(slot)));
    await this.refresh();
    for (const slot of this.slots.values()) void this.step(slot);
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
        throw new Error(`The read models ${missing.join(', ')} have no tables in PostgreSQL after ${timeoutMs / 1000} s, and no instance could create them`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Through step, not prepare: a step may be running on the leader's connection.
      for (const slot of this.slots.values()) if (!slot.live) void this.step(slot);
      await this.refresh();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await Promise.all([...this.slots.values()].map((slot) => slot.leading.current));
    await this.progressReads.current;
    await Promise.all([...this.slots.values()].map((slot) => slot.tail?.current));
    await Promise.all([...this.slots.values()].map((slot) => slot.leadership.release()));
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  /**
   * Look now, after an append here or a NOTIFY from another instance: lead what this instance leads,
   * and read the leaders' progress. Taking over a lead is left to the poll (`tick`), which keeps a
   * busy follower from asking for every lock on every append.
   */
  poke(): void {
    if (this.stopped) return;
    for (const slot of this.slots.values()) if (slot.leadership.leads) void this.step(slot);
    void this.refresh();
  }

  /** The poll: try to lead every read model nobody leads, and read the leaders' progress. */
  private tick(): void {
    if (this.stopped) return;
    for (const slot of this.slots.values()) void this.step(slot);
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
        if (slot.leadership.leads || slot.supersededBy !== undefined || !live || live.failure || live.position >= head) {
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
        const ours = [...this.slots.values()].map((other) => other.leadership.backendPid).filter((pid) => pid !== undefined);
        const ended = await endStalledLeader(this.db, name, { idleForMs: stalledAfterMs, ours });
        slot.stillSince = undefined;
        if (ended.length === 0) continue;
        this.logger.warn(
          { projection: name, position: live.position, headPosition: head, leaderBackends: ended },
          `Projection ${name}: its leader made no progress for ${stalledAfterMs / 1000} s with events waiting; ended its connection to take over`,
        );
        void this.step(slot);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Read models: watching the leaders failed; trying again on the next poll');
    }
  }

  /**
   * Resolves once every live projection, and each one named in `include` unless it failed, shows
   * the log up to `position`; rejects with SERVICE_UNAVAILABLE when that takes longer than the
   * timeout (no instance can write the read models: PostgreSQL is unreachable, or every leader is gone).
   */
  waitFor(position: number, include: readonly string[] = []): Promise<void> {
    const timeoutMs = this.options.readYourWritesTimeoutMs ?? 10_000;
    const reached = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        include,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          reject(
            new ReadModelUnavailableError(
              `The change was stored, but the read models have not shown it within ${timeoutMs / 1000} s. Read it again ` +
                'later, or send the command again with the same commandId (it is not applied twice)',
              { position },
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
    this.settleWaiters();
    this.poke();
    return reached;
  }

  /** The position this instance's change feed of `name` has published up to: the subscriptions' seam. */
  livePosition(name: string): number {
    const slot = this.slot(name);
    if (!slot.live || slot.live.building) {
      throw new ReadModelUnavailableError(`The ${name} read model is still being built; subscribe again in a moment`, { projection: name });
    }
    return slot.tail ? slot.tail.position : slot.live.position;
  }

  /** Throws SERVICE_UNAVAILABLE when `name` cannot show the log up to `position`. */
  assertCurrent(name: string, position: number): void {
    const live = this.slot(name).live;
    if (live && live.position >= position) return;
    throw readModelBehind(name, position, live?.failure);
  }

  async status(): Promise<ProjectionStatus[]> {
    await this.refresh();
    const headPosition = await this.store.headPosition();
    return Promise.all(
      [...this.slots.values()].map(async (slot) => {
        const position = slot.live?.position ?? 0;
        return {
          name: slot.definition.name,
          version: slot.definition.version,
          state: this.state(slot),
          position,
          headPosition,
          ...(await lagBehind(this.store, position, headPosition)),
          lastError: slot.live?.failure ?? null,
          rebuildPosition: slot.rebuild?.position ?? null,
        };
      }),
    );
  }

  /** Clears the failure, so the leader (whichever instance) tries the failed event again. */
  async retry(name: string): Promise<void> {
    const slot = this.slot(name);
    await this.refresh();
    const live = slot.live;
    if (!live?.failure) throw new ProjectionStateError(`Projection ${name} has not failed`, { state: this.state(slot) });
    await recordFailure(this.db, name, live.generation, null);
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, String(live.position)]);
    slot.live = { ...live, failure: null };
    await this.step(slot);
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
      throw new ProjectionStateError(`Projection ${name} is being rebuilt already`, { state: this.state(slot) });
    }
    await this.db.query('SELECT pg_notify($1, $2)', [this.channel, '0']);
    const takenUpBy = Date.now() + (this.options.rebuildTakenUpWithinMs ?? 30_000);
    for (;;) {
      this.poke();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const request = await readRebuildRequest(this.db, name);
      await this.refresh();
      // The swap deletes the request in the transaction that makes the new generation live.
      if ((slot.live?.generation ?? 0) > before) return;
      if (request?.failure) {
        await withdrawRebuildRequest(this.db, name);
        const { failure } = request;
        throw new ProjectionStateError(`Projection ${name} failed at event ${failure.position} (${failure.eventType}): ${failure.message}`, {
          position: failure.position,
          eventId: failure.eventId,
        });
      }
      if (!request) throw new ProjectionStateError(`Projection ${name}: the rebuild was withdrawn before it finished`, {});
      if (request.generation === null && Date.now() > takenUpBy) {
        await withdrawRebuildRequest(this.db, name);
        throw new ReadModelUnavailableError(`No instance took up the rebuild of ${name}: none can write it now; try again later`, { projection: name });
      }
      this.throwIfFailed(slot);
      if (this.stopped) throw new ProjectionStateError(`Projection ${name}: the server is stopping`, {});
      if (onProgress && slot.rebuild) onProgress(slot.rebuild.position, await this.store.headPosition());
    }
  }

  /** A rebuild of a failed read model would stop at the same event: retry it first. */
  private throwIfFailed(slot: Slot): void {
    const failure = slot.live?.failure;
    if (failure) {
      throw new ProjectionStateError(
        `Projection ${slot.definition.name} failed at event ${failure.position} (${failure.eventType}): ${failure.message}; retry it first`,
        { position: failure.position, eventId: failure.eventId },
      );
    }
  }

  /** Leads `slot` if it can, one run at a time; concurrent calls share the run, plus one more pass. */
  private step(slot: Slot): Promise<void> {
    return slot.leading.run();
  }

  private async lead(slot: Slot): Promise<void> {
    if (this.stopped || slot.supersededBy !== undefined) return;
    const name = slot.definition.name;
    try {
      const client = await slot.leadership.acquire();
      if (!client) return;
      await this.feed(slot, client);
      slot.lastFailure = undefined;
    } catch (error) {
      // Another instance took over, or PostgreSQL failed: let the lock go; the next tick tries again.
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof LeadershipLostError) && message !== slot.lastFailure) {
        this.logger.warn({ err: error, projection: name }, `Projection ${name}: leading it failed; trying again every poll`);
      }
      slot.lastFailure = message;
      await slot.leadership.release(error as Error);
    }
  }

  /** At start: lead `slot` if nobody does, and give it live tables if it has none; building waits for `step`. */
  private async prepare(slot: Slot): Promise<void> {
    try {
      const client = await slot.leadership.acquire();
      if (client) await this.ensureLiveGeneration(slot, client);
    } catch (error) {
      this.logger.warn({ err: error, projection: slot.definition.name }, `Projection ${slot.definition.name}: leading it failed; trying again every poll`);
      await slot.leadership.release(error as Error);
    }
  }

  /**
   * As the leader: the live generation of this code's version, created (BUILDING) when there is none
   * or an older one; undefined when newer code's version is live, which this code cannot write.
   */
  private async ensureLiveGeneration(slot: Slot, client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const { definition } = slot;
    const rows = (await readGenerations(client)).filter((row) => row.name === definition.name);
    const live = rows.find((row) => row.live);
    slot.rebuild = rows.find((row) => !row.live);
    if (live && live.version > definition.version) {
      slot.supersededBy = live.version;
      this.logger.warn(
        { projection: definition.name, live: live.version, ours: definition.version },
        `Projection ${definition.name}: version ${live.version} is live and this instance runs version ${definition.version}; it leaves the writing to instances running the newer code`,
      );
      await slot.leadership.release();
      return undefined;
    }
    if (live && live.version === definition.version) return (slot.live = live);
    slot.writers.clear();
    slot.rebuild = undefined;
    return (slot.live = await inClientTransaction(client, () => createGeneration(client, definition, { live: true })));
  }

  /** As the leader: bring the live generation (and a rebuild, if asked for) up to the head. */
  private async feed(slot: Slot, client: pg.Client): Promise<void> {
    const { definition } = slot;
    let live = await this.ensureLiveGeneration(slot, client);
    if (!live) return;
    let rebuild = slot.rebuild ?? (await this.takeUpRebuild(slot, client));

    const head = await this.store.headPosition();
    live = await this.feedLive(slot, client, live);
    if (live.building && !live.failure && live.position >= head) {
      await finishBuilding(client, definition.name, live.generation);
      slot.live = live = { ...live, building: false };
      this.settleWaiters();
    }
    if (rebuild && !live.failure) await this.finishRebuild(slot, client, live, rebuild);
    if (live.position - (slot.prunedAt ?? 0) >= PRUNE_EVERY_EVENTS) {
      await pruneChanges(client, definition.name, live.position);
      slot.prunedAt = live.position;
    }
  }

  /** A rebuild asked for and not yet taken up: its generation and the request's note of it commit together. */
  private async takeUpRebuild(slot: Slot, client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const name = slot.definition.name;
    const request = await readRebuildRequest(client, name);
    if (!request || request.generation !== null || request.failure) return undefined;
    slot.rebuild = await inClientTransaction(client, async () => {
      const created = await createGeneration(client, slot.definition, { live: false });
      await takeUpRebuildRequest(client, name, created.generation);
      return created;
    });
    return slot.rebuild;
  }

  private feedLive(slot: Slot, client: pg.Client, live: PostgresGenerationRow): Promise<PostgresGenerationRow> {
    return feedGeneration(live, {
      client,
      store: this.store,
      writer: this.writer(slot, live.generation, !live.building),
      announce: !live.building,
      batchSize: live.building ? (this.options.rebuildBatchSize ?? 2000) : (this.options.batchSize ?? 500),
      channel: this.channel,
      logger: this.logger,
      goOn: () => !this.stopped,
      onCommitted: (row) => {
        slot.live = row;
        this.settleWaiters();
        slot.tail?.catchUp().catch((error: unknown) => this.logger.warn({ err: error, projection: row.name }, `Projection ${row.name}: reading its announced changes failed; trying again on the next poll`));
      },
    });
  }

  /**
   * Catches the rebuild up with the live generation, a chunk at a time, the live one keeping up with
   * the head in between (mutations wait for it); swaps it in once both are at the same position.
   * Only this leader writes either generation, so nothing moves the live one between the last
   * catch-up and the swap. A rebuild that fails is dropped, and the request says why.
   */
  private async finishRebuild(slot: Slot, client: pg.Client, live: PostgresGenerationRow, rebuild: PostgresGenerationRow): Promise<void> {
    const { definition } = slot;
    const chunk = 5 * (this.options.rebuildBatchSize ?? 2000);
    for (let current = rebuild; !this.stopped; ) {
      live = await this.feedLive(slot, client, live);
      if (live.failure) return;
      current = await feedGeneration(current, {
        client,
        store: this.store,
        writer: this.writer(slot, current.generation, false),
        announce: false,
        batchSize: this.options.rebuildBatchSize ?? 2000,
        until: Math.min(live.position, current.position + chunk),
        channel: this.channel,
        logger: this.logger,
        goOn: () => !this.stopped,
        onCommitted: (next) => (slot.rebuild = next),
      });
      const failure = current.failure;
      if (failure) {
        await inClientTransaction(client, async () => {
          await dropGeneration(client, definition, current.generation);
          await failRebuildRequest(client, definition.name, failure);
        });
        slot.rebuild = undefined;
        return;
      }
      if (current.position !== live.position) continue;
      await inClientTransaction(client, async () => {
        await pointViewsAt(client, definition, current.generation);
        await withdrawRebuildRequest(client, definition.name);
        await client.query('SELECT pg_notify($1, $2)', [this.channel, String(current.position)]);
      });
      slot.writers.clear();
      slot.live = { ...current, live: true, building: false };
      slot.rebuild = undefined;
      this.logger.info({ projection: definition.name, position: current.position }, `Projection ${definition.name}: rebuilt tables are live`);
      return;
    }
  }

  private writer(slot: Slot, generation: number, announce: boolean): PostgresProjectionWriter<unknown> {
    const key = `${generation}/${announce}`;
    let writer = slot.writers.get(key);
    if (!writer) {
      writer = slot.definition.create(postgresTableNames(slot.definition, generation), { announce });
      slot.writers.set(key, writer);
    }
    return writer;
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
        slot.live = latest(slot.live, own.find((row) => row.live));
        slot.rebuild = latest(slot.rebuild, own.find((row) => !row.live));
      }
      this.progressFresh = true;
      this.settleWaiters();
      await Promise.all([...this.slots.values()].map((slot) => slot.tail?.catchUp()));
    } catch (error) {
      this.logger.warn({ err: error }, 'Read models: reading the leaders\u2019 progress failed; trying again shortly');
    }
  }

  private settleWaiters(): void {
    const settled = this.waiters.filter((waiter) => [...this.slots.values()].every((slot) => this.slotReached(slot, waiter)));
    if (settled.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => !settled.includes(waiter));
    for (const waiter of settled) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  private slotReached(slot: Slot, { position, include }: Pick<Waiter, 'position' | 'include'>): boolean {
    const live = slot.live;
    if (!live) return false;
    return Boolean(live.failure || (live.building && !include.includes(slot.definition.name)) || live.position >= position);
  }


  private state(slot: Slot): ProjectionState {
    if (slot.live?.failure) return 'FAILED';
    return !slot.live || slot.live.building ? 'BUILDING' : 'LIVE';
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
