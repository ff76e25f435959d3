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
import { endLeaderConnection, Leadership } from './leadership.js';
import {
  createGeneration,
  finishBuilding,
  LeadershipLostError,
  pointViewsAt,
  type PostgresGenerationRow,
  postgresTableNames,
  readGenerations,
  recordFailure,
} from './postgresGenerations.js';
import type { PostgresProjectionDefinition, PostgresProjectionWriter } from './postgresProjection.js';
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
  stillSince?: { position: number; at: number };
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

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    definitions: PostgresProjectionDefinition<any>[],
    private readonly options: PostgresEngineOptions,
  ) {
    this.logger = options.logger ?? fallbackLogger();
    this.channel = readModelChannel(options.connection.schema);
    for (const definition of definitions) {
      const leadership = new Leadership(options.connection, definition.name, (leads, error) => {
        const projection = definition.name;
        if (leads) this.logger.info({ projection }, `Projection ${projection}: this instance writes it now`);
        else if (error) this.logger.warn({ projection, err: error }, `Projection ${projection}: this instance no longer writes it`);
        else this.logger.info({ projection }, `Projection ${projection}: this instance has handed it over`);
      });
      const feed = options.feeds?.[definition.name];
      const tail = feed && new ChangeTail<unknown>(pool, definition.name, feed);
      const slot: Slot = { definition, leadership, tail, writers: new Map(), leading: new CoalescedRuns(() => this.lead(slot), () => !this.stopped) };
      this.slots.set(definition.name, slot);
    }
  }

  /** Creates the bookkeeping tables, follows the leaders, and leads what nobody leads. */
  async start(): Promise<void> {
    await migrateReadModels(this.pool);
    await Promise.all([...this.slots.values()].map((slot) => this.step(slot)));
    await this.refresh();
    await Promise.all([...this.slots.values()].map((slot) => slot.tail?.start()));
    // The poll: the fallback for a lost NOTIFY, and how a follower notices that a leader has gone.
    this.pollTimer = setInterval(() => this.tick(), this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await Promise.all([...this.slots.values()].map((slot) => slot.leading.current));
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
    void this.refresh().then(() => this.watchLeaders());
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
        if (slot.stillSince?.position !== live.position) {
          slot.stillSince = { position: live.position, at: Date.now() };
          continue;
        }
        if (Date.now() - slot.stillSince.at < stalledAfterMs) continue;
        const name = slot.definition.name;
        const ended = await endLeaderConnection(this.pool, name);
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
    await recordFailure(this.pool, name, live.generation, null);
    slot.live = { ...live, failure: null };
    await this.step(slot);
    await this.refresh();
  }

  /**
   * Asks the leader to rebuild `name` from position 0 into fresh tables beside the live ones and
   * swap them in when caught up; resolves when the new tables are live.
   */
  async rebuild(name: string): Promise<void> {
    const slot = this.slot(name);
    await this.refresh();
    const before = slot.live?.generation ?? 0;
    const { rowCount } = await this.pool.query(
      'INSERT INTO read_model_rebuild_requests (name) VALUES ($1) ON CONFLICT (name) DO NOTHING',
      [name],
    );
    if (rowCount === 0 || slot.rebuild) {
      throw new ProjectionStateError(`Projection ${name} is being rebuilt already`, { state: this.state(slot) });
    }
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, '0']);
    for (;;) {
      this.poke();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await this.refresh();
      if ((slot.live?.generation ?? 0) > before) return;
      // refresh() has replaced the row since the check above.
      const rebuilding = slot.rebuild as PostgresGenerationRow | undefined;
      const failure = rebuilding?.failure;
      if (rebuilding && failure) {
        await this.pool.query('DELETE FROM read_model_generations WHERE name = $1 AND generation = $2 AND NOT live', [name, rebuilding.generation]);
        throw new ProjectionStateError(`Projection ${name} failed at event ${failure.position} (${failure.eventType}): ${failure.message}`, {
          position: failure.position,
          eventId: failure.eventId,
        });
      }
      if (this.stopped) throw new ProjectionStateError(`Projection ${name}: the server is stopping`, {});
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

  /** As the leader: bring the live generation (and a rebuild, if asked for) up to the head. */
  private async feed(slot: Slot, client: pg.Client): Promise<void> {
    const { definition } = slot;
    let rows = (await readGenerations(client)).filter((row) => row.name === definition.name);
    let live = rows.find((row) => row.live);
    if (live && live.version > definition.version) {
      // Newer code has built a newer version, which this code cannot write: leave it to the instances that run that code.
      slot.supersededBy = live.version;
      this.logger.warn(
        { projection: definition.name, live: live.version, ours: definition.version },
        `Projection ${definition.name}: version ${live.version} is live and this instance runs version ${definition.version}; it leaves the writing to instances running the newer code`,
      );
      await slot.leadership.release();
      return;
    }
    if (!live || live.version < definition.version) {
      await createGeneration(client, definition, { live: true });
      rows = (await readGenerations(client)).filter((row) => row.name === definition.name);
      live = rows.find((row) => row.live)!;
    }
    let rebuild = rows.find((row) => !row.live);
    const requested = await client.query('DELETE FROM read_model_rebuild_requests WHERE name = $1', [definition.name]);
    if (requested.rowCount && !rebuild) {
      const generation = await createGeneration(client, definition, { live: false });
      rebuild = { ...live, generation, position: 0, live: false, building: false, failure: null };
    }
    slot.live = live;
    slot.rebuild = rebuild;

    const head = await this.store.headPosition();
    live = await this.feedLive(slot, client, live);
    if (live.building && !live.failure && live.position >= head) {
      await finishBuilding(client, definition.name, live.generation);
      slot.live = live = { ...live, building: false };
      this.settleWaiters();
    }
    if (rebuild && !rebuild.failure && !live.failure) await this.finishRebuild(slot, client, live, rebuild);
    if (live.position - (slot.prunedAt ?? 0) >= PRUNE_EVERY_EVENTS) {
      await pruneChanges(client, definition.name, live.position);
      slot.prunedAt = live.position;
    }
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
      onCommitted: (row) => {
        slot.live = row;
        this.settleWaiters();
        void slot.tail?.catchUp();
      },
    });
  }

  /** Catches the rebuild up with the live generation, then swaps it in at the same position. */
  private async finishRebuild(slot: Slot, client: pg.Client, live: PostgresGenerationRow, rebuild: PostgresGenerationRow): Promise<void> {
    const feedRebuild = (row: PostgresGenerationRow, until: number) =>
      feedGeneration(row, {
        client,
        store: this.store,
        writer: this.writer(slot, row.generation, false),
        announce: false,
        batchSize: this.options.rebuildBatchSize ?? 2000,
        until,
        channel: this.channel,
        logger: this.logger,
        onCommitted: (next) => (slot.rebuild = next),
      });
    // Only this leader writes either generation. The rebuild catches up a chunk at a time, and the
    // live generation keeps up with the head in between (mutations wait for it); they swap once the
    // rebuild has reached the live position while the live one stood still.
    const chunk = 5 * (this.options.rebuildBatchSize ?? 2000);
    for (let current = rebuild; !current.failure && !this.stopped; ) {
      current = await feedRebuild(current, Math.min(live.position, current.position + chunk));
      if (current.failure) return;
      const before = live.position;
      live = await this.feedLive(slot, client, live);
      if (live.failure) return;
      if (current.position < live.position || live.position !== before) continue;
      await client.query('BEGIN');
      try {
        await client.query('UPDATE read_model_generations SET position = $3 WHERE name = $1 AND generation = $2', [
          current.name,
          current.generation,
          current.position,
        ]);
        await pointViewsAt(client, slot.definition, current.generation);
        await client.query('SELECT pg_notify($1, $2)', [this.channel, String(current.position)]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      slot.writers.clear();
      slot.live = { ...current, live: true, building: false };
      slot.rebuild = undefined;
      this.logger.info({ projection: current.name, position: current.position }, `Projection ${current.name}: rebuilt tables are live`);
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
    try {
      const rows = await readGenerations(this.pool);
      for (const slot of this.slots.values()) {
        const own = rows.filter((row) => row.name === slot.definition.name);
        slot.live = latest(slot.live, own.find((row) => row.live));
        slot.rebuild = latest(slot.rebuild, own.find((row) => !row.live));
      }
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
