import type pg from 'pg';
import { CoalescedRuns } from '../../concurrency/coalescedRuns.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { PostgresConnectionOptions } from '../../eventstore/postgres/connection.js';
import type { Logger } from '../../logging/logger.js';
import { inClientTransaction } from './clientTransaction.js';
import { type CommittedBatch, feedGeneration } from './generationFeed.js';
import { Leadership } from './leadership.js';
import {
  buildIndexes,
  createGeneration,
  dropGeneration,
  finishBuilding,
  LeadershipLostError,
  pointViewsAt,
  type PostgresGenerationRow,
  readGenerations,
} from './postgresGenerations.js';
import type { AnyReadModel } from '../readModel.js';
import { tableNames } from '../sqlite/generations.js';
import { PostgresReadModelWriter } from './postgresWriter.js';
import { PRUNE_EVERY_EVENTS, pruneChanges } from './readModelSchema.js';
import { failRebuildRequest, readRebuildRequest, takeUpRebuildRequest, withdrawRebuildRequest } from './rebuildRequests.js';

/** A leader's turn in a joint batch: its live generation, the connection holding its lock, and its writer. */
export type JointTurn = {
  row: PostgresGenerationRow;
  client: pg.Client;
  writer: PostgresReadModelWriter;
  /**
   * Gives the turn back: with the batch committed, as it was, or after a batch that failed (this
   * leader's own step then reads its bookkeeping again and finds the event to blame). False when
   * it was given back already.
   */
  leave(outcome: { row: PostgresGenerationRow; batch: CommittedBatch } | 'unchanged' | 'failed'): boolean;
};

/** What a leader needs from the engine it runs in. */
type LeaderContext = {
  connection: PostgresConnectionOptions;
  store: Pick<EventStore, 'readAll' | 'headPosition'>;
  /** The channel NOTIFY'd after each batch. */
  channel: string;
  logger: Logger;
  batchSize: number;
  rebuildBatchSize: number;
  stopped: () => boolean;
  /** The live generation as the leader has just left it (and the batch it committed): for waiters and the change feeds. */
  onLive: (row: PostgresGenerationRow, batch?: CommittedBatch) => void;
};

/**
 * One read model's writing, on the instance that holds its advisory lock (Leadership): gives it live
 * tables of this code's version, feeds them from the log, builds a requested rebuild beside them and
 * swaps it in. Every batch commits on the connection holding the lock. Runs one step at a time.
 */
export class ProjectionLeader {
  readonly leadership: Leadership;
  /** The rebuild generation, while one is being built. */
  rebuild: PostgresGenerationRow | undefined;
  /** The newer version live in the tables: this code will not write them. */
  supersededBy: number | undefined;
  private readonly steps = new CoalescedRuns(
    () => this.lead(),
    () => !this.context.stopped(),
  );
  /** The message of the last failure to lead, so that a lasting one is logged once. */
  private lastFailure: string | undefined;
  /** The live position at the last pruning of its announced changes. */
  private prunedAt = 0;
  /**
   * The live generation as this leader last read or committed it, while it has led without a break;
   * a step after an append feeds from it without reading the bookkeeping again (see lookAround).
   */
  private known: PostgresGenerationRow | undefined;
  /** Whether the next step reads the generations and rebuild requests again. */
  private looking = true;
  /** While a joint batch holds this leader's turn: resolved when it gives it back. */
  private joined: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    readonly definition: AnyReadModel,
    private readonly context: LeaderContext,
  ) {
    this.leadership = new Leadership(context.connection, definition.name, context.logger);
  }

  /** Leads the read model if it can, one step at a time; calls during a step share it, plus one more pass. */
  step(): Promise<void> {
    return this.steps.run();
  }

  /**
   * Makes the next step read the bookkeeping again: what another instance may have changed while
   * this one leads (a failure cleared by retry, a rebuild asked for). The poll, and a notification
   * of such a change, call it; steps after appends trust what this leader last committed.
   */
  lookAround(): void {
    this.looking = true;
  }

  /** The step under way, if any: what a stop waits for. */
  get current(): Promise<void> | undefined {
    return this.steps.current;
  }

  private async lead(): Promise<void> {
    while (this.joined) await this.joined.promise;
    if (this.context.stopped() || this.supersededBy !== undefined) return;
    await this.asLeader((client) => this.feed(client));
  }

  /**
   * Takes this leader's turn for a batch shared with the other read models this instance leads
   * (JointFeed), when all it has to do is follow the log: it leads, no step of its own is under
   * way, its live generation is built and has not failed, no rebuild is going on, and nothing asks
   * it to look around. Its own steps wait until the turn is given back (JointTurn.leave).
   */
  join(): JointTurn | undefined {
    const row = this.known;
    const client = this.leadership.heldClient;
    if (!row || !client || this.joined || this.steps.current || this.looking || this.context.stopped()) return undefined;
    if (row.building || row.failure || this.rebuild || this.supersededBy !== undefined) return undefined;
    let resolve!: () => void;
    const joined = { promise: new Promise<void>((done) => (resolve = done)), resolve };
    this.joined = joined;
    const writer = new PostgresReadModelWriter(this.definition, tableNames(this.definition, row.generation), true);
    return {
      row,
      client,
      writer,
      leave: (outcome) => {
        if (this.joined !== joined) return false;
        if (outcome === 'failed') this.lookAround();
        else if (outcome !== 'unchanged') this.showLive(outcome.row, outcome.batch);
        this.joined = undefined;
        joined.resolve();
        return true;
      },
    };
  }

  /** At start: lead the read model if nobody does, and give it live tables if it has none; building waits for `step`. */
  prepare(): Promise<void> {
    return this.asLeader((client) => this.ensureLiveGeneration(client));
  }

  /** Runs `work` on the connection holding the lock, when this instance holds it or can take it. */
  private async asLeader(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
    const name = this.definition.name;
    try {
      const ledBefore = this.leadership.leads;
      const client = await this.leadership.acquire();
      if (!client) return;
      // A new term: what another leader did meanwhile is read afresh.
      if (!ledBefore) this.lookAround();
      await work(client);
      this.lastFailure = undefined;
    } catch (error) {
      this.lookAround();
      // Another instance took over, or PostgreSQL failed: let the lock go; the next tick tries again.
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof LeadershipLostError) && message !== this.lastFailure) {
        this.context.logger.warn({ err: error, projection: name }, `Projection ${name}: leading it failed; trying again every poll`);
      }
      this.lastFailure = message;
      await this.leadership.release(error as Error);
    }
  }

  /**
   * As the leader: the live generation of this code's version, created (BUILDING) when there is none
   * or an older one; undefined when newer code's version is live, which this code cannot write.
   */
  private async ensureLiveGeneration(client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const { definition } = this;
    const rows = (await readGenerations(client)).filter((row) => row.name === definition.name);
    const live = rows.find((row) => row.live);
    this.rebuild = rows.find((row) => !row.live);
    if (live && live.version > definition.version) {
      this.supersededBy = live.version;
      this.context.logger.warn(
        { projection: definition.name, live: live.version, ours: definition.version },
        `Projection ${definition.name}: version ${live.version} is live and this instance runs version ${definition.version}; it leaves the writing to instances running the newer code`,
      );
      await this.leadership.release();
      return undefined;
    }
    if (live && live.version === definition.version) return this.showLive(live);
    this.rebuild = undefined;
    return this.showLive(await inClientTransaction(client, () => createGeneration(client, definition, { live: true })));
  }

  /** As the leader: bring the live generation (and a rebuild, if asked for) up to the head. */
  private async feed(client: pg.Client): Promise<void> {
    const { definition } = this;
    // A failed generation waits for a retry from any instance: look for it every step.
    const look = this.looking || !this.known || this.known.failure !== null;
    this.looking = false;
    let live = look ? await this.ensureLiveGeneration(client) : this.known;
    if (!live) return;
    const rebuild = this.rebuild ?? (look ? await this.takeUpRebuild(client) : undefined);

    const head = await this.context.store.headPosition();
    live = await this.feedLive(client, live, head);
    if (live.building && !live.failure && live.position >= head) {
      await inClientTransaction(client, () => finishBuilding(client, definition, live!.generation));
      live = this.showLive({ ...live, building: false });
    }
    if (rebuild && !live.failure) await this.finishRebuild(client, live, rebuild);
    if (live.position - this.prunedAt >= PRUNE_EVERY_EVENTS) {
      await pruneChanges(client, definition.name, live.position);
      this.prunedAt = live.position;
    }
  }

  /** A rebuild asked for and not yet taken up: its generation and the request's note of it commit together. */
  private async takeUpRebuild(client: pg.Client): Promise<PostgresGenerationRow | undefined> {
    const name = this.definition.name;
    const request = await readRebuildRequest(client, name);
    if (!request || request.generation !== null || request.failure) return undefined;
    this.rebuild = await inClientTransaction(client, async () => {
      const created = await createGeneration(client, this.definition, { live: false });
      await takeUpRebuildRequest(client, name, created.generation);
      return created;
    });
    return this.rebuild;
  }

  /**
   * Feeds the live generation up to `until`, the head when the step began: never chasing a head that
   * keeps moving, so that a step ends and the next one takes up a rebuild asked for meanwhile.
   */
  private async feedLive(client: pg.Client, live: PostgresGenerationRow, until: number): Promise<PostgresGenerationRow> {
    const row = await feedGeneration(live, {
      ...this.feedOptions(client, live.generation, !live.building),
      until,
      batchSize: live.building ? this.context.rebuildBatchSize : this.context.batchSize,
      onCommitted: (committed, batch) => this.showLive(committed, batch),
    });
    // A failure is news to the waiters (they stop waiting for this read model) and to later steps.
    return row.failure ? this.showLive(row) : row;
  }

  /**
   * Catches the rebuild up with the live generation, a chunk at a time, the live one keeping up with
   * the head in between (mutations wait for it); swaps it in once both are at the same position.
   * Only this leader writes either generation, so nothing moves the live one between the last
   * catch-up and the swap. A rebuild that fails is dropped, and the request says why.
   *
   * Each new event is applied to both generations, so when events come at half the rate this leader
   * applies them or faster, the gap between the two stops shrinking and chunks alone would never
   * finish (and just below that rate they finish slowly). So once the gap is two chunks or less, or
   * has not shrunk since the last chunk, the rebuild takes the rest in one go and the live tables
   * wait for it (they are replaced at the end anyway): the rebuild always ends.
   */
  private async finishRebuild(client: pg.Client, live: PostgresGenerationRow, rebuild: PostgresGenerationRow): Promise<void> {
    const { definition } = this;
    const chunk = 5 * this.context.rebuildBatchSize;
    for (let current = rebuild, previousGap = Infinity; !this.context.stopped(); ) {
      live = await this.feedLive(client, live, await this.context.store.headPosition());
      if (live.failure) return;
      const gap = live.position - current.position;
      const lastStretch = gap <= 2 * chunk || gap >= previousGap;
      previousGap = gap;
      current = await feedGeneration(current, {
        ...this.feedOptions(client, current.generation, false),
        batchSize: this.context.rebuildBatchSize,
        until: lastStretch ? live.position : Math.min(live.position, current.position + chunk),
        onCommitted: (next) => (this.rebuild = next),
      });
      const failure = current.failure;
      if (failure) {
        await inClientTransaction(client, async () => {
          await dropGeneration(client, definition, current.generation);
          await failRebuildRequest(client, definition.name, failure);
        });
        this.rebuild = undefined;
        return;
      }
      if (current.position !== live.position) continue;
      await inClientTransaction(client, async () => {
        await buildIndexes(client, definition, current.generation);
        await pointViewsAt(client, definition, current.generation);
        await withdrawRebuildRequest(client, definition.name);
        await client.query('SELECT pg_notify($1, $2)', [this.context.channel, String(current.position)]);
      });
      this.rebuild = undefined;
      this.showLive({ ...current, live: true, building: false });
      this.context.logger.info(
        { projection: definition.name, position: current.position },
        `Projection ${definition.name}: rebuilt tables are live`,
      );
      return;
    }
  }

  /** What feeding a generation on `client` needs besides its batch size, end and commit callback. */
  private feedOptions(client: pg.Client, generation: number, announce: boolean) {
    const { store, channel, logger } = this.context;
    const writer = new PostgresReadModelWriter(this.definition, tableNames(this.definition, generation), announce);
    return { client, store, channel, logger, writer, goOn: () => !this.context.stopped() };
  }

  /** Tells the engine the live generation as this leader has just left it. */
  private showLive(row: PostgresGenerationRow, batch?: CommittedBatch): PostgresGenerationRow {
    this.known = row;
    this.context.onLive(row, batch);
    return row;
  }
}
